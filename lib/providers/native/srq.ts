import type { RecvWrSpec, SrqBackend } from '../../provider/spi.js';
import type { NativeSrqObject } from './addon.js';
import { WrPacker } from './pack.js';
import { NativeObject } from './native-object.js';

/** A native shared receive queue. */
export class NativeSrq extends NativeObject<NativeSrqObject> implements SrqBackend {
  readonly #packer = new WrPacker();

  constructor(raw: NativeSrqObject) {
    super(raw);
  }

  /** One `ibv_post_srq_recv` chain. @throws VerbsError `ENOMEM` when full. */
  postRecv(wrs: readonly RecvWrSpec[]): void {
    const n = this.#packer.packRecv(wrs);
    this.raw.postRecv(this.#packer.buffer, n);
  }
}
