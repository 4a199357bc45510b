import type { MrBackend } from '../../provider/spi.js';
import type { NativeMrObject } from './addon.js';

/** A registered native memory region. */
export class NativeMr implements MrBackend {
  readonly lkey: number;
  readonly rkey: number;
  readonly addr: bigint;
  readonly length: number;
  readonly bytes: Uint8Array;
  /** Low and high 32 bits of `addr`, so packing SGEs needs no BigInt arithmetic. */
  readonly addrLo: number;
  readonly addrHi: number;
  readonly #raw: NativeMrObject;
  #closed = false;

  constructor(raw: NativeMrObject, bytes: Uint8Array) {
    this.#raw = raw;
    this.lkey = raw.lkey;
    this.rkey = raw.rkey;
    this.addr = raw.addr;
    this.length = raw.length;
    this.bytes = bytes;
    this.addrLo = Number(raw.addr & 0xffff_ffffn);
    this.addrHi = Number(raw.addr >> 32n);
  }

  /** True after `close()`. */
  get closed(): boolean { return this.#closed; }

  /** `ibv_dereg_mr`, then let go of the memory. Idempotent; never throws. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#raw.close();
    } catch {
      // closing never throws
    }
  }
}
