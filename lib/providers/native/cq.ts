import type { CqBackend } from '../../provider/spi.js';
import type { WcBatch } from '../../wc-batch.js';
import type { NativeCqObject } from './addon.js';

/**
 * A native completion queue with its own completion channel, watched on
 * this thread's event loop. `poll` fills the batch's buffer in one call.
 */
export class NativeCq implements CqBackend {
  /** @internal The addon object. */
  readonly raw: NativeCqObject;
  readonly depth: number;
  #closed = false;

  constructor(raw: NativeCqObject, depth: number) {
    this.raw = raw;
    this.depth = depth;
  }

  /** @throws RdmaError `ERR_CQ_OVERRUN` once the CQ overran. */
  poll(batch: WcBatch, max: number): number {
    return this.raw.poll(batch.buffer, batch.capacity, max);
  }

  /** Arms the channel (`ibv_req_notify_cq`); rejects with `ERR_CQ_OVERRUN` after an overrun. */
  waitForCompletion(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return this.raw.wait();
  }

  /** `ibv_destroy_cq` (after its queue pairs); pending waits resolve. Idempotent; never throws. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.raw.close();
    } catch {
      // closing never throws
    }
  }
}
