import type { AhBackend } from './provider/spi.js';
import type { Endpoint } from './types/endpoint.js';
import { Lifetime, CloseRank } from './lifetime.js';
import type { ProtectionDomain } from './protection-domain.js';

/** A route to a UD peer (`ibv_ah`). Created by `ProtectionDomain.createAddressHandle()`. */
export class AddressHandle {
  readonly #backend: AhBackend;
  readonly #life: Lifetime;
  /** The protection domain it belongs to. */
  readonly pd: ProtectionDomain;
  /** The endpoint it routes to. */
  readonly remote: Endpoint;

  /** @internal */
  constructor(pd: ProtectionDomain, backend: AhBackend, remote: Endpoint, parent: Lifetime) {
    this.pd = pd;
    this.#backend = backend;
    this.remote = remote;
    this.#life = new Lifetime(this, `AddressHandle(lid=${remote.lid}, gid=${remote.gid})`, parent);
    parent.adopt(this, CloseRank.AH);
  }

  /** True after `close()`. */
  get closed(): boolean { return this.#life.closed; }

  /** @internal @throws ClosedError when closed. */
  backend(): AhBackend {
    this.#life.assertOpen();
    return this.#backend;
  }

  /** Destroy (`ibv_destroy_ah`). Idempotent; never throws. */
  close(): void {
    this.#life.close(() => this.#backend.close());
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
