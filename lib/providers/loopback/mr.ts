import type { MrBackend } from '../../provider/spi.js';
import type { LoopNode } from './node.js';
import { isMapping } from './mapping/shared-memory.js';

/** A loopback memory region: the bytes, their keys and a made-up address. */
export class LoopMr implements MrBackend {
  readonly lkey: number;
  readonly rkey: number;
  readonly addr: bigint;
  readonly length: number;
  readonly bytes: Uint8Array;
  /** 64-bit view for atomics on shared memory, when the bytes allow one. */
  readonly words: BigUint64Array | null;
  #closed = false;

  constructor(readonly node: LoopNode, readonly pdId: number, bytes: Uint8Array, readonly access: number) {
    this.bytes = bytes;
    this.length = bytes.byteLength;
    const key = node.allocKey();
    this.lkey = key;
    this.rkey = key;
    this.addr = node.allocAddress(bytes.byteLength);
    const aligned = bytes.byteOffset % 8 === 0;
    this.words = aligned && (bytes.buffer instanceof SharedArrayBuffer || isMapping(bytes.buffer))
      ? new BigUint64Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 8))
      : null;
    node.mrs.set(this.rkey, this);
  }

  get closed(): boolean { return this.#closed; }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.node.mrs.delete(this.rkey);
  }
}
