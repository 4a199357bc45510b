import type { RecvWrSpec, SrqBackend } from '../../provider/spi.js';
import type { NativeSrqObject } from './addon.js';
import { WrPacker } from './pack.js';

/** A native shared receive queue. */
export class NativeSrq implements SrqBackend {
  /** @internal The addon object. */
  readonly raw: NativeSrqObject;
  readonly #packer = new WrPacker();
  #closed = false;

  constructor(raw: NativeSrqObject) {
    this.raw = raw;
  }

  /** One `ibv_post_srq_recv` chain. @throws VerbsError `ENOMEM` when full. */
  postRecv(wrs: readonly RecvWrSpec[]): void {
    const n = this.#packer.packRecv(wrs);
    this.raw.postRecv(this.#packer.buffer, n);
  }

  /** `ibv_destroy_srq`. Idempotent; never throws. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.raw.close();
    } catch {
      // closing never throws
    }
  }
}
