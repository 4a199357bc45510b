import type { CqBackend } from '../../provider/spi.js';
import type { WcBatch } from '../../wc-batch.js';
import type { NativeCqObject } from './addon.js';
import { NativeObject } from './native-object.js';

/**
 * A native completion queue with its own completion channel, watched on
 * this thread's event loop. `poll` fills the batch's buffer in one call.
 */
export class NativeCq extends NativeObject<NativeCqObject> implements CqBackend {
  readonly depth: number;

  constructor(raw: NativeCqObject, depth: number) {
    super(raw);
    this.depth = depth;
  }

  /** @throws RdmaError `ERR_CQ_OVERRUN` once the CQ overran. */
  poll(batch: WcBatch, max: number): number {
    return this.raw.poll(batch.buffer, batch.capacity, max);
  }

  /** Arms the channel (`ibv_req_notify_cq`); rejects with `ERR_CQ_OVERRUN` after an overrun. */
  waitForCompletion(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.raw.wait();
  }
}
