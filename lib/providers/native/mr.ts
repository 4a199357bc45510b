import type { MrBackend } from '../../provider/spi.js';
import type { NativeMrObject } from './addon.js';
import { NativeObject } from './native-object.js';

/** A registered native memory region. */
export class NativeMr extends NativeObject<NativeMrObject> implements MrBackend {
  readonly lkey: number;
  readonly rkey: number;
  readonly addr: bigint;
  readonly length: number;
  readonly bytes: Uint8Array;
  /** Low and high 32 bits of `addr`, so packing SGEs needs no BigInt arithmetic. */
  readonly addrLo: number;
  readonly addrHi: number;

  constructor(raw: NativeMrObject, bytes: Uint8Array) {
    super(raw);
    this.lkey = raw.lkey;
    this.rkey = raw.rkey;
    this.addr = raw.addr;
    this.length = raw.length;
    this.bytes = bytes;
    this.addrLo = Number(raw.addr & 0xffff_ffffn);
    this.addrHi = Number(raw.addr >> 32n);
  }
}
