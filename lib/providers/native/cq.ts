import type { CqBackend } from '../../provider/spi.js';
import { WcBatch, WC_STRIDE } from '../../wc-batch.js';
import type { NativeCqObject } from './addon.js';
import { NativeObject } from './native-object.js';

/** How many completions a `ready()` check takes from the device at most (kept for the next polls). */
const STASH = 16;

/**
 * A native completion queue with its own completion channel, watched on
 * this thread's event loop. `poll` fills the batch's buffer in one call.
 * `ready()` polls the device into a small stash of its own, which the next
 * polls return first (completions stay in order).
 */
export class NativeCq extends NativeObject<NativeCqObject> implements CqBackend {
  readonly depth: number;
  readonly #stash = new WcBatch(STASH);
  #stashHead = 0;

  constructor(raw: NativeCqObject, depth: number) {
    super(raw);
    this.depth = depth;
  }

  /** @throws RdmaError `ERR_CQ_OVERRUN` once the CQ overran. */
  poll(batch: WcBatch, max: number): number {
    const stash = this.#stash;
    if (this.#stashHead < stash.count) {
      const n = Math.min(max, stash.count - this.#stashHead);
      const from = this.#stashHead;
      batch.wrIds.set(stash.wrIds.subarray(from, from + n), 0);
      batch.fields.set(stash.fields.subarray(from * WC_STRIDE, (from + n) * WC_STRIDE), 0);
      this.#stashHead += n;
      return n;
    }
    return this.raw.poll(batch.buffer, batch.capacity, max);
  }

  /** @throws RdmaError `ERR_CQ_OVERRUN` once the CQ overran. */
  ready(): boolean {
    const stash = this.#stash;
    if (this.#stashHead < stash.count) return true;
    stash.count = this.raw.poll(stash.buffer, stash.capacity, stash.capacity);
    this.#stashHead = 0;
    return stash.count > 0;
  }

  /** The device writes completions whatever this thread does. */
  canSpin(): boolean {
    return true;
  }

  /** Arms the channel (`ibv_req_notify_cq`); rejects with `ERR_CQ_OVERRUN` after an overrun. */
  waitForCompletion(): Promise<void> {
    if (this.closed || this.#stashHead < this.#stash.count) return Promise.resolve();
    return this.raw.wait();
  }
}
