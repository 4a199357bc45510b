/**
 * The out-of-band exchange's frame: a 12-byte header, then the payload.
 * All integers are big-endian. docs/connections.md describes it byte by byte.
 *
 * | offset | size | field                                  |
 * | ------ | ---- | -------------------------------------- |
 * | 0      | 4    | magic, ASCII `VRDX`                    |
 * | 4      | 1    | version (`EXCHANGE_VERSION`)           |
 * | 5      | 1    | frame type (`FrameType`)               |
 * | 6      | 2    | reserved, 0                            |
 * | 8      | 4    | payload length in bytes                |
 */

/** The four bytes every frame starts with: ASCII `VRDX`. */
export const EXCHANGE_MAGIC = 0x56524458;

/** The version of the exchange format this library writes; it reads only this one. */
export const EXCHANGE_VERSION = 1;

/** Bytes in a frame header. */
export const HEADER_BYTES = 12;

/** The default largest payload a reader accepts (1 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 20;

/** The kinds of frame, by the value of header byte 5. */
export const FrameType = {
  /** Who I am: endpoint, exposed regions, receive size, application payload. */
  HELLO: 1,
  /** My QP is connected: you may send to it. Empty payload. */
  READY: 2,
  /** I am done: I post nothing more and am about to release my resources. Empty payload. */
  DONE: 3,
  /** I give up: a UTF-8 reason follows. */
  ABORT: 4,
} as const;

/** One `FrameType` value. */
export type FrameTypeValue = (typeof FrameType)[keyof typeof FrameType];

const FRAME_TYPE_NAMES = new Map<number, string>(Object.entries(FrameType).map(([k, v]) => [v, k]));

/** `FrameType` name of a value, or `"type <n>"`. */
export function frameTypeName(type: number): string {
  return FRAME_TYPE_NAMES.get(type) ?? `type ${type}`;
}

/** Whether `type` is a known frame type. */
export function isFrameType(type: number): type is FrameTypeValue {
  return FRAME_TYPE_NAMES.has(type);
}

/** One frame as read: its type and payload. */
export interface Frame {
  readonly type: FrameTypeValue;
  readonly payload: Buffer;
}

/** Encode one frame (header and payload) in a new buffer. */
export function encodeFrame(type: FrameTypeValue, payload: Uint8Array = new Uint8Array(0), version = EXCHANGE_VERSION): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out.writeUInt32BE(EXCHANGE_MAGIC, 0);
  out.writeUInt8(version, 4);
  out.writeUInt8(type, 5);
  out.writeUInt16BE(0, 6);
  out.writeUInt32BE(payload.length, 8);
  out.set(payload, HEADER_BYTES);
  return out;
}
