import type { MrBackend } from './provider/spi.js';
import type { RemoteMemory } from './types/endpoint.js';
import { CloseRank, type Lifetime } from './lifetime.js';
import { Resource } from './resource.js';
import type { ProtectionDomain } from './protection-domain.js';

/**
 * Registered memory (`ibv_mr`). Created by `ProtectionDomain.registerMemory()`;
 * the registered bytes stay alive (and pinned, on native devices) until
 * `close()` deregisters it (`ibv_dereg_mr`); idempotent, never throws.
 * After `close()` every member but `closed`, `pd` and `access` throws
 * `ClosedError`: a deregistered key must not travel to a peer.
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

  /** Local key, used in scatter/gather lists. @throws ClosedError after `close()`. */
  get lkey(): number { return this.backend().lkey; }
  /** Remote key, given to peers for RDMA and atomics. @throws ClosedError after `close()`. */
  get rkey(): number { return this.backend().rkey; }
  /** The address peers use for byte 0 of the region. @throws ClosedError after `close()`. */
  get addr(): bigint { return this.backend().addr; }
  /** Length in bytes. @throws ClosedError after `close()`. */
  get length(): number { return this.backend().length; }
  /** The registered bytes. @throws ClosedError after `close()`. */
  get buffer(): Uint8Array { return this.backend().bytes; }

  /**
   * What a peer needs to access this region: JSON-safe `{ addr, rkey, length }`.
   * @throws ClosedError after `close()`.
   */
  toRemote(): RemoteMemory {
    const b = this.backend();
    return { addr: b.addr.toString(), rkey: b.rkey, length: b.length };
  }
}
