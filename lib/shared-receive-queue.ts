import type { SrqBackend } from './provider/spi.js';
import type { RecvWorkRequest } from './types/work-request.js';
import { Lifetime, CloseRank, type Closable } from './lifetime.js';
import { toRecvWrSpecs } from './validate/recv-wr.js';
import type { ProtectionDomain } from './protection-domain.js';

/**
 * A shared receive queue (`ibv_srq`): receive buffers shared by several QPs.
 * Created by `ProtectionDomain.createSrq()`.
 */
export class SharedReceiveQueue {
  readonly #backend: SrqBackend;
  readonly #life: Lifetime;
  readonly #users = new Set<Closable>();
  /** The protection domain it belongs to. */
  readonly pd: ProtectionDomain;
  /** Capacity in receive requests. */
  readonly maxWr: number;
  /** Scatter/gather entries per request. */
  readonly maxSge: number;

  /** @internal */
  constructor(pd: ProtectionDomain, backend: SrqBackend, maxWr: number, maxSge: number, parent: Lifetime) {
    this.pd = pd;
    this.#backend = backend;
    this.maxWr = maxWr;
    this.maxSge = maxSge;
    this.#life = new Lifetime(this, 'SharedReceiveQueue', parent);
    parent.adopt(this, CloseRank.SRQ);
  }

  /** True after `close()`. */
  get closed(): boolean { return this.#life.closed; }

  /**
   * Post receive requests (one native call for an array).
   * @throws InvalidArgumentError for a malformed request.
   * @throws ClosedError when the SRQ or a region is closed.
   * @throws VerbsError `ENOMEM` when the queue is full.
   */
  postRecv(wr: RecvWorkRequest | readonly RecvWorkRequest[]): void {
    this.#life.assertOpen();
    this.#backend.postRecv(toRecvWrSpecs(wr, this.maxSge));
  }

  /** @internal */
  backend(): SrqBackend {
    this.#life.assertOpen();
    return this.#backend;
  }

  /** @internal A QP using this SRQ registers itself so closing the SRQ closes it first. */
  addUser(qp: Closable): void { this.#users.add(qp); }
  /** @internal */
  removeUser(qp: Closable): void { this.#users.delete(qp); }

  /** Destroy (`ibv_destroy_srq`), closing the QPs that use it first. Idempotent; never throws. */
  close(): void {
    if (this.#life.closed) return;
    for (const qp of [...this.#users]) qp.close();
    this.#life.close(() => this.#backend.close());
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
