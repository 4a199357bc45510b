import { gather, type Payload, type Piece } from '../payload.js';

/**
 * A message's bytes as they lie in another process's shared memory, piece
 * by piece: read straight from there into the target (one copy).
 */
export class MappedPayload implements Payload {
  readonly length: number;
  readonly #pieces: Piece[];

  constructor(views: readonly Uint8Array[]) {
    let n = 0;
    this.#pieces = views.map((bytes) => {
      n += bytes.byteLength;
      return { mr: { bytes }, offset: 0, length: bytes.byteLength };
    });
    this.length = n;
  }

  read(offset: number, dst: Uint8Array, dstOffset: number, len: number): void {
    gather(this.#pieces, offset, dst, dstOffset, len);
  }
}

/** Copy `src` into `views` in order (RDMA READ data placed in the requester's memory). */
export function placeInto(views: readonly Uint8Array[], src: Uint8Array): void {
  let done = 0;
  for (const view of views) {
    if (done === src.byteLength) break;
    const n = Math.min(view.byteLength, src.byteLength - done);
    view.set(done === 0 && n === src.byteLength ? src : src.subarray(done, done + n), 0);
    done += n;
  }
}
