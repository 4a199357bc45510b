import type { Payload } from '../payload.js';
import { shmStats } from './stats.js';

/** Where a segment's bytes come from, for the counters. */
export const Source = { RING: 0, SHARED: 1, STAGED: 2 } as const;

/**
 * The payload of a record being consumed: a list of segments, each a range
 * of the record itself, of a peer's shared buffer, or of a staging buffer.
 * `read` copies straight from there into the target; one object per thread
 * is reused for every record, valid only while the record is delivered.
 */
export class RingPayload implements Payload {
  length = 0;
  count = 0;
  readonly #src: Uint8Array[] = [];
  readonly #start: number[] = [];
  readonly #len: number[] = [];
  readonly #kind: number[] = [];

  /** Start over with an empty payload of `length` bytes. */
  reset(length: number): void {
    this.length = length;
    this.count = 0;
  }

  /** Append `len` bytes of `src` from `start`. */
  add(src: Uint8Array, start: number, len: number, kind: number): void {
    const i = this.count++;
    this.#src[i] = src;
    this.#start[i] = start;
    this.#len[i] = len;
    this.#kind[i] = kind;
  }

  read(offset: number, dst: Uint8Array, dstOffset: number, len: number): void {
    let skip = offset;
    let left = len;
    let at = dstOffset;
    for (let i = 0; i < this.count && left > 0; i++) {
      const segLen = this.#len[i]!;
      if (skip >= segLen) {
        skip -= segLen;
        continue;
      }
      const n = segLen - skip < left ? segLen - skip : left;
      const start = this.#start[i]! + skip;
      dst.set(this.#src[i]!.subarray(start, start + n), at);
      const kind = this.#kind[i];
      if (kind === Source.SHARED) shmStats.sharedBytesIn += n;
      else if (kind === Source.STAGED) shmStats.stagedBytesIn += n;
      else shmStats.ringBytesIn += n;
      at += n;
      left -= n;
      skip = 0;
    }
  }

  /** Drop the references to the buffers. */
  clear(): void {
    for (let i = 0; i < this.count; i++) this.#src[i] = EMPTY;
    this.count = 0;
    this.length = 0;
  }
}

const EMPTY = new Uint8Array(0);
