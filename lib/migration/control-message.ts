import { RdmaError } from '../errors/rdma-error.js';

/** The kinds of control message the two sides of a migration send each other (the first byte of each). */
export const MessageType = {
  /** Source to target: layout version, page size, region sizes, the source's region indexes. */
  HELLO: 1,
  /** Target to source: the target's region indexes; setup is over. */
  READY: 2,
  /** Either way: page hashes `[first, count]` with `2 * count` 32-bit words. */
  HASHES: 3,
  /** Either way: the end of a series of `HASHES`. */
  HASHES_END: 4,
  /** Source to target: a round's writes are complete `[round, pages]`. */
  ROUND_END: 5,
  /** Source to target: deferred pages as `[first, count]` pairs. */
  DEFERRED: 6,
  /** Source to target: hash every page you hold and send the hashes. */
  VERIFY: 7,
  /** Source to target: verified; the tail is the switchover payload. */
  DONE: 8,
  /** Either way: giving up; the tail is the reason in UTF-8. */
  ABORT: 9,
  /** Target to source: no deferred page is left; the source may release them. */
  RELEASE: 10,
  /** Source to target: scattered pages packed in one message: their indexes, then their bytes in the same order. */
  PAGES: 11,
  /** Queue-pair move, source to target: a piece `[offset, total]` of the moving QP's image. */
  QP_STATE: 12,
  /** Queue-pair move, target to source: the QP is rebuilt, hidden; the tail is this process's peer address. */
  QP_PREPARED: 13,
  /** Queue-pair move, source to target: the hub gave the LID to the target; the QP is the target's. */
  QP_COMMIT: 14,
} as const;

/** One `MessageType` value. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** A decoded control message: its type, 32-bit words, and trailing bytes. */
export interface ControlMessage {
  readonly type: MessageType;
  readonly words: Uint32Array;
  readonly tail: Uint8Array;
}

/** Bytes before the words: type (u8), reserved (u8), word count (u16). */
export const HEADER_BYTES = 4;

/** The protocol version HELLO carries. */
export const MIGRATION_VERSION = 1;

/** Encode a message: header, words (little-endian), tail. */
export function encodeMessage(type: MessageType, words: ArrayLike<number> = [], tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (words.length > 0xffff) throw new RangeError(`${words.length} words do not fit in one control message`);
  const out = new Uint8Array(HEADER_BYTES + 4 * words.length + tail.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, type);
  view.setUint16(2, words.length, true);
  for (let i = 0; i < words.length; i++) view.setUint32(HEADER_BYTES + 4 * i, words[i]!, true);
  out.set(tail, HEADER_BYTES + 4 * words.length);
  return out;
}

/**
 * Decode a message.
 * @throws RdmaError `ERR_MIGRATION_PROTOCOL` for bytes that are not a control message.
 */
export function decodeMessage(bytes: Uint8Array): ControlMessage {
  if (bytes.length < HEADER_BYTES) throw protocolError(`a ${bytes.length}-byte message is shorter than its header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const type = view.getUint8(0);
  if (type < MessageType.HELLO || type > MessageType.QP_COMMIT) throw protocolError(`unknown message type ${type}`);
  const count = view.getUint16(2, true);
  const tailAt = HEADER_BYTES + 4 * count;
  if (tailAt > bytes.length) throw protocolError(`${count} words do not fit in a ${bytes.length}-byte message`);
  const words = new Uint32Array(count);
  for (let i = 0; i < count; i++) words[i] = view.getUint32(HEADER_BYTES + 4 * i, true);
  return { type: type as MessageType, words, tail: bytes.slice(tailAt) };
}

/** The error for a message that breaks the protocol. */
export function protocolError(message: string): RdmaError {
  return new RdmaError('ERR_MIGRATION_PROTOCOL', message);
}

/** The name of a message type, for errors. */
export function messageName(type: number): string {
  return Object.entries(MessageType).find(([, v]) => v === type)?.[0] ?? `type ${type}`;
}
