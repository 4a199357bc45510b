import { HubProtocolError } from './errors.js';

/** The version of the hub protocol; `hello` and `welcome` frames carry it as `v`. */
export const HUB_PROTOCOL_VERSION = 3;
/** The largest hub frame body accepted, in bytes. */
export const HUB_MAX_FRAME = 64 * 1024;
/** Bytes of the length prefix. */
const PREFIX = 4;

/** A decoded hub frame: a JSON object with a string type `t`. */
export interface JsonMessage {
  readonly t: string;
  readonly [field: string]: unknown;
}

/** A frame to send: a type `t` and any JSON-safe fields. */
export interface OutMessage {
  readonly t: string;
  readonly [field: string]: unknown;
}

/**
 * Encode one frame: a 4-byte big-endian body length, then the body, a UTF-8
 * JSON object.
 */
export function encodeJsonFrame(msg: OutMessage): Buffer {
  const body = Buffer.from(JSON.stringify(msg), 'utf8');
  const out = Buffer.allocUnsafe(PREFIX + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, PREFIX);
  return out;
}

/**
 * Reassembles hub frames from a byte stream. After it throws, the stream is
 * unusable (the caller disconnects).
 */
export class JsonFrameReader {
  #pending: Buffer = Buffer.alloc(0);

  constructor(readonly maxBody: number = HUB_MAX_FRAME) {}

  /** Bytes received but not yet part of a whole frame. */
  get pendingBytes(): number {
    return this.#pending.length;
  }

  /**
   * Append received bytes; returns the whole frames they complete.
   * @throws HubProtocolError for a zero or oversized length, a body that is
   * not JSON, not an object, or has no string `t`.
   */
  push(chunk: Buffer): JsonMessage[] {
    let buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const out: JsonMessage[] = [];
    while (buf.length >= PREFIX) {
      const len = buf.readUInt32BE(0);
      if (len === 0) throw new HubProtocolError('bad frame length 0');
      if (len > this.maxBody) throw new HubProtocolError(`frame of ${len} bytes is larger than the limit of ${this.maxBody}`);
      if (buf.length < PREFIX + len) break;
      out.push(parseBody(buf.subarray(PREFIX, PREFIX + len)));
      buf = buf.subarray(PREFIX + len);
    }
    this.#pending = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
    return out;
  }
}

function parseBody(body: Buffer): JsonMessage {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HubProtocolError('frame body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HubProtocolError('frame body is not a JSON object');
  const t = (value as { t?: unknown }).t;
  if (typeof t !== 'string' || t.length === 0 || t.length > 32) throw new HubProtocolError('frame has no type ("t")');
  return value as JsonMessage;
}
