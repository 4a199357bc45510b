import type { MrBackend } from './provider/spi.js';
import type { RemoteMemory } from './types/endpoint.js';
import { Lifetime, CloseRank } from './lifetime.js';
import type { ProtectionDomain } from './protection-domain.js';

/**
 * Registered memory (`ibv_mr`). Created by `ProtectionDomain.registerMemory()`;
 * the registered bytes stay alive (and pinned, on native devices) until
 * `close()`.
 */
export class MemoryRegion {
  readonly #backend: MrBackend;
  readonly #life: Lifetime;
  /** The protection domain it belongs to (kept alive by this region). */
  readonly pd: ProtectionDomain;
  /** The `Access` flags it was registered with. */
  readonly access: number;

  /** @internal Use `ProtectionDomain.registerMemory()`. */
  constructor(pd: ProtectionDomain, backend: MrBackend, access: number, parent: Lifetime) {
    this.pd = pd;
    this.#backend = backend;
    this.access = access;
    this.#life = new Lifetime(this, `MemoryRegion(lkey=0x${backend.lkey.toString(16)})`, parent);
    parent.adopt(this, CloseRank.MR);
  }

  /** Local key, used in scatter/gather lists. */
  get lkey(): number { return this.#backend.lkey; }
  /** Remote key, given to peers for RDMA and atomics. */
  get rkey(): number { return this.#backend.rkey; }
  /** The address peers use for byte 0 of the region. */
  get addr(): bigint { return this.#backend.addr; }
  /** Length in bytes. */
  get length(): number { return this.#backend.length; }
  /** The registered bytes. */
  get buffer(): Uint8Array { return this.#backend.bytes; }
  /** True after `close()`. */
  get closed(): boolean { return this.#life.closed; }

  /** What a peer needs to access this region: JSON-safe `{ addr, rkey, length }`. */
  toRemote(): RemoteMemory {
    return { addr: this.#backend.addr.toString(), rkey: this.#backend.rkey, length: this.#backend.length };
  }

  /** @internal @throws ClosedError when closed. */
  backend(): MrBackend {
    this.#life.assertOpen();
    return this.#backend;
  }

  /** Deregister (`ibv_dereg_mr`). Idempotent; never throws. */
  close(): void {
    this.#life.close(() => this.#backend.close());
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
