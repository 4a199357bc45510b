import type { SgeSpec } from '../../provider/spi.js';
import { memoryIntact } from '../../provider/memory-intact.js';

/**
 * The bytes of a message in flight, read lazily so that data moves once:
 * from the sender's memory straight into the receiver's buffer.
 */
export interface Payload {
  readonly length: number;
  /** Copy `len` bytes starting at message offset `offset` into `dst[dstOffset..]`. */
  read(offset: number, dst: Uint8Array, dstOffset: number, len: number): void;
}

/** A payload that is a plain byte array (inline data, bytes from another process). */
export class BytesPayload implements Payload {
  readonly length: number;
  constructor(readonly bytes: Uint8Array) {
    this.length = bytes.byteLength;
  }
  read(offset: number, dst: Uint8Array, dstOffset: number, len: number): void {
    dst.set(this.bytes.subarray(offset, offset + len), dstOffset);
  }
}

/** A payload gathered on demand from the sender's scatter/gather list. */
export class SgePayload implements Payload {
  readonly length: number;
  constructor(readonly sges: readonly SgeSpec[], length: number) {
    this.length = length;
  }
  read(offset: number, dst: Uint8Array, dstOffset: number, len: number): void {
    gather(this.sges, offset, dst, dstOffset, len);
  }
}

/** A piece of a message: `length` bytes at `offset` in `mr.bytes`. */
export interface Piece {
  readonly mr: { readonly bytes: Uint8Array };
  readonly offset: number;
  readonly length: number;
}

/** Copy `len` bytes, starting `offset` bytes into the message `pieces` make up, into `dst[dstOffset..]`. */
export function gather(pieces: readonly Piece[], offset: number, dst: Uint8Array, dstOffset: number, len: number): void {
  let skip = offset;
  let left = len;
  let at = dstOffset;
  for (const piece of pieces) {
    if (left === 0) break;
    if (skip >= piece.length) {
      skip -= piece.length;
      continue;
    }
    const n = Math.min(piece.length - skip, left);
    const start = piece.offset + skip;
    dst.set(piece.mr.bytes.subarray(start, start + n), at);
    at += n;
    left -= n;
    skip = 0;
  }
}

/**
 * False when memory the payload would be read from was detached since the
 * request was posted: a packet waiting to be sent is then dropped instead of
 * delivering bytes that are gone (the RC timer resends it, and the resend
 * fails with LOC_PROT_ERR; a READ response is read again and refused).
 */
export function payloadIntact(payload: Payload): boolean {
  if (payload instanceof BytesPayload) return payload.bytes.byteLength === payload.length;
  if (payload instanceof SgePayload) {
    for (const sge of payload.sges) if (!memoryIntact(sge.mr)) return false;
  }
  return true;
}

/** An empty payload. */
export const EMPTY_PAYLOAD: Payload = new BytesPayload(new Uint8Array(0));

/** Copy a whole payload, starting at `skip` bytes into `sges` (scatter). Returns bytes written. */
export function scatter(payload: Payload, sges: readonly SgeSpec[], skip = 0): number {
  let done = 0;
  let pad = skip;
  for (const sge of sges) {
    if (done === payload.length) break;
    if (pad >= sge.length) {
      pad -= sge.length;
      continue;
    }
    const room = sge.length - pad;
    const n = Math.min(room, payload.length - done);
    payload.read(done, sge.mr.bytes, sge.offset + pad, n);
    done += n;
    pad = 0;
  }
  return done;
}

/** A copy of the payload's bytes (for inline sends, which must not read the buffer later). */
export function snapshot(payload: Payload): Uint8Array {
  const out = new Uint8Array(payload.length);
  payload.read(0, out, 0, payload.length);
  return out;
}
