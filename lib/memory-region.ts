import type { MrBackend } from './provider/spi.js';
import type { RemoteMemory } from './types/endpoint.js';
import { CloseRank, type Lifetime } from './lifetime.js';
import { Resource } from './resource.js';
import type { ProtectionDomain } from './protection-domain.js';

/**
 * Registered memory (`ibv_mr`). Created by `ProtectionDomain.registerMemory()`;
 * the registered bytes stay alive (and pinned, on native devices) until
 * `close()` deregisters it (`ibv_dereg_mr`); idempotent, never throws.
 */
export class MemoryRegion extends Resource<MrBackend> {
  /** The protection domain it belongs to (kept alive by this region). */
  readonly pd: ProtectionDomain;
  /** The `Access` flags it was registered with. */
  readonly access: number;

  /** @internal Use `ProtectionDomain.registerMemory()`. */
  constructor(pd: ProtectionDomain, backend: MrBackend, access: number, parent: Lifetime) {
    super(backend, `MemoryRegion(lkey=0x${backend.lkey.toString(16)})`, parent, CloseRank.MR);
    this.pd = pd;
    this.access = access;
  }

  /** Local key, used in scatter/gather lists. */
  get lkey(): number { return this.raw.lkey; }
  /** Remote key, given to peers for RDMA and atomics. */
  get rkey(): number { return this.raw.rkey; }
  /** The address peers use for byte 0 of the region. */
  get addr(): bigint { return this.raw.addr; }
  /** Length in bytes. */
  get length(): number { return this.raw.length; }
  /** The registered bytes. */
  get buffer(): Uint8Array { return this.raw.bytes; }

  /** What a peer needs to access this region: JSON-safe `{ addr, rkey, length }`. */
  toRemote(): RemoteMemory {
    return { addr: this.raw.addr.toString(), rkey: this.raw.rkey, length: this.raw.length };
  }
}
