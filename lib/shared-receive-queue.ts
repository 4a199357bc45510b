import type { SrqBackend } from './provider/spi.js';
import type { RecvWorkRequest } from './types/work-request.js';
import { CloseRank, type Lifetime } from './lifetime.js';
import { SharedResource } from './resource.js';
import { toRecvWrSpecs } from './validate/recv-wr.js';
import { recvSpecPool } from './validate/spec-pool.js';
import type { ProtectionDomain } from './protection-domain.js';

/**
 * A shared receive queue (`ibv_srq`): receive buffers shared by several QPs.
 * Created by `ProtectionDomain.createSrq()`. `close()` destroys it
 * (`ibv_destroy_srq`), closing the QPs that use it first; idempotent, never throws.
 */
export class SharedReceiveQueue extends SharedResource<SrqBackend> {
  /** The protection domain it belongs to. */
  readonly pd: ProtectionDomain;
  /** Capacity in receive requests. */
  readonly maxWr: number;
  /** Scatter/gather entries per request. */
  readonly maxSge: number;
  /** Validated requests, reused from post to post. */
  readonly #recvSpecs = recvSpecPool();

  /** @internal */
  constructor(pd: ProtectionDomain, backend: SrqBackend, maxWr: number, maxSge: number, parent: Lifetime) {
    super(backend, 'SharedReceiveQueue', parent, CloseRank.SRQ);
    this.pd = pd;
    this.maxWr = maxWr;
    this.maxSge = maxSge;
  }

  /**
   * Post receive requests (one native call for an array).
   * @throws InvalidArgumentError for a malformed request.
   * @throws ClosedError when the SRQ or a region is closed.
   * @throws VerbsError `ENOMEM` when the queue is full.
   */
  postRecv(wr: RecvWorkRequest | readonly RecvWorkRequest[]): void {
    this.backend().postRecv(toRecvWrSpecs(wr, this.maxSge, this.#recvSpecs));
  }
}
