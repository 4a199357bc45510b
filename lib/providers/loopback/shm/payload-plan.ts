import { BytesPayload, SgePayload, type Payload } from '../payload.js';
import { isMapping } from '../mapping/shared-memory.js';

/**
 * How a payload's bytes will travel, worked out before anything is written:
 * one piece per scatter/gather element; a piece in shared memory may travel
 * by reference (the consumer copies it straight from there), the others are
 * copied into the record or into a staging buffer.
 *
 * One plan per thread is reused for every packet (no allocation).
 */
export class PayloadPlan {
  /** The piece's bytes, or null for a payload read through `Payload.read` (one piece). */
  readonly bytes: Array<Uint8Array | null> = [];
  readonly offset: number[] = [];
  readonly length: number[] = [];
  /** The shared buffer (a `SharedArrayBuffer` or a named mapping) a piece travels by reference in, or null when it is copied. */
  readonly sab: Array<ArrayBufferLike | null> = [];
  count = 0;
  /** Bytes of the pieces that are copied. */
  copied = 0;
  payload: Payload | null = null;

  /**
   * Split `payload` into pieces. `allowRef` is false when the sender may
   * reuse its buffer before the consumer reads it (UC, UD), so every byte is copied.
   */
  plan(payload: Payload, allowRef: boolean): void {
    this.count = 0;
    this.copied = 0;
    this.payload = payload;
    if (payload.length === 0) return;
    if (payload instanceof SgePayload) {
      let left = payload.length;
      for (const sge of payload.sges) {
        if (left === 0) break;
        const n = sge.length < left ? sge.length : left;
        if (n > 0) this.#add(sge.mr.bytes, sge.offset, n, allowRef);
        left -= n;
      }
    } else if (payload instanceof BytesPayload) {
      this.#add(payload.bytes, 0, payload.length, allowRef);
    } else {
      this.#add(null, 0, payload.length, false);
    }
  }

  #add(bytes: Uint8Array | null, offset: number, length: number, allowRef: boolean): void {
    const i = this.count++;
    const buffer = allowRef && bytes !== null ? bytes.buffer : null;
    const sab = buffer !== null && (buffer instanceof SharedArrayBuffer || isMapping(buffer)) ? buffer : null;
    this.bytes[i] = bytes;
    this.offset[i] = offset;
    this.length[i] = length;
    this.sab[i] = sab;
    if (!sab) this.copied += length;
  }

  /** Copy piece `i` into `dst` at `at`. */
  copyPiece(i: number, dst: Uint8Array, at: number): void {
    const src = this.bytes[i];
    const len = this.length[i]!;
    if (src) {
      const start = this.offset[i]!;
      dst.set(src.subarray(start, start + len), at);
    } else {
      this.payload!.read(0, dst, at, len);
    }
  }

  /** Drop the references to the payload and its buffers. */
  clear(): void {
    for (let i = 0; i < this.count; i++) {
      this.bytes[i] = null;
      this.sab[i] = null;
    }
    this.payload = null;
    this.count = 0;
  }
}
