import type { AhBackend } from './provider/spi.js';
import type { Endpoint } from './types/endpoint.js';
import { CloseRank, type Lifetime } from './lifetime.js';
import { Resource } from './resource.js';
import type { ProtectionDomain } from './protection-domain.js';

/**
 * A route to a UD peer (`ibv_ah`). Created by `ProtectionDomain.createAddressHandle()`.
 * `close()` destroys it (`ibv_destroy_ah`); idempotent, never throws.
 */
export class AddressHandle extends Resource<AhBackend> {
  /** The protection domain it belongs to. */
  readonly pd: ProtectionDomain;
  /** The endpoint it routes to. */
  readonly remote: Endpoint;

  /** @internal */
  constructor(pd: ProtectionDomain, backend: AhBackend, remote: Endpoint, parent: Lifetime) {
    super(backend, `AddressHandle(lid=${remote.lid}, gid=${remote.gid})`, parent, CloseRank.AH);
    this.pd = pd;
    this.remote = remote;
  }
}
