import type { CqBackend } from './provider/spi.js';
import type { WorkCompletion } from './types/work-request.js';
import { WcBatch } from './wc-batch.js';
import { CloseRank, type Lifetime } from './lifetime.js';
import { SharedResource } from './resource.js';
import { ClosedError } from './errors/closed-error.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import { checkInt, describe } from './validate/numbers.js';
import { checkOptions, optionShape } from './validate/options.js';
import type { Context } from './context.js';
import { performance } from 'node:perf_hooks';

/** How long `wait()` polls before it sleeps unless told otherwise, in microseconds. */
export const DEFAULT_SPIN_US = 50;
/** The longest spin accepted, in microseconds. */
export const MAX_SPIN_US = 100_000;

/** Options of one `CompletionQueue.wait()`. */
export interface WaitOptions {
  /** Microseconds to poll before sleeping, 0..100000 (0: sleep at once); default the CQ's `spinUs`. */
  readonly spinUs?: number;
}

const WAIT_OPTIONS = optionShape<WaitOptions>({ spinUs: 'integer' });

/**
 * A completion queue (`ibv_cq`). Three ways to read it:
 * - `pollBatch(batch)`: fills a reusable `WcBatch`, allocates nothing (the fast path);
 * - `poll(max)`: returns an array of `WorkCompletion` objects;
 * - `await cq.next()` or `for await (const wc of cq)`: waits on the event loop.
 *
 * Failed requests appear as completions with a non-zero `status`; use
 * `checkCompletion(wc)` to turn one into a `WorkCompletionError`.
 *
 * On `loop0`, work from other processes arrives on the event loop: a tight
 * synchronous poll loop sees completions from this thread and from worker
 * threads, but never those from another process; await `next()` / `wait()`
 * or yield between polls there.
 */
export class CompletionQueue extends SharedResource<CqBackend> implements AsyncIterable<WorkCompletion> {
  readonly #scratch = new WcBatch(64);
  #closeWaiters: Array<() => void> = [];
  /** The context it belongs to. */
  readonly context: Context;
  /** Capacity in completions. */
  readonly depth: number;
  /** How long `wait()` and `next()` poll before they sleep, in microseconds (0: never). */
  readonly spinUs: number;

  /** @internal Use `Context.createCq()`. */
  constructor(context: Context, backend: CqBackend, depth: number, spinUs: number, parent: Lifetime) {
    super(backend, 'CompletionQueue', parent, CloseRank.CQ);
    this.context = context;
    this.depth = depth;
    this.spinUs = spinUs;
  }

  /**
   * Poll up to `max` completions into `batch` (from slot 0) without
   * allocating; sets and returns `batch.count`. A `max` above the batch's
   * capacity polls `batch.capacity`.
   * @throws InvalidArgumentError when `batch` is not a `WcBatch` or `max` is not an integer >= 0.
   * @throws ClosedError when closed. @throws RdmaError `ERR_CQ_OVERRUN` after an overrun.
   */
  pollBatch(batch: WcBatch, max: number = batch.capacity): number {
    this.life.assertOpen();
    if (!(batch instanceof WcBatch)) throw new InvalidArgumentError('batch', `must be a WcBatch, got ${describe(batch)}`);
    if (!Number.isInteger(max) || max < 0) throw new InvalidArgumentError('max', `must be an integer >= 0, got ${describe(max)}`);
    const n = this.raw.poll(batch, max < batch.capacity ? max : batch.capacity);
    batch.count = n;
    return n;
  }

  /**
   * Poll up to `max` completions (default 16) as objects.
   * @throws InvalidArgumentError for a bad `max`. @throws ClosedError when closed.
   * @throws RdmaError `ERR_CQ_OVERRUN` after an overrun.
   */
  poll(max = 16): WorkCompletion[] {
    checkInt('max', max, 1, 65536);
    this.life.assertOpen();
    const out: WorkCompletion[] = [];
    const batch = max <= this.#scratch.capacity ? this.#scratch : new WcBatch(max);
    const n = this.raw.poll(batch, max);
    for (let i = 0; i < n; i++) out.push(batch.at(i));
    return out;
  }

  /**
   * The next completion: polled for up to `spinUs` microseconds, then
   * waited for on the event loop (completion channel on native devices).
   * @throws ClosedError when the CQ is or becomes closed.
   * @throws RdmaError `ERR_CQ_OVERRUN` after an overrun.
   */
  async next(): Promise<WorkCompletion> {
    for (;;) {
      const got = this.poll(1);
      if (got.length > 0) return got[0]!;
      await this.#waitOrClose(this.spinUs);
    }
  }

  /**
   * Wait until completions may be ready (without consuming any), or the CQ
   * closes: first by polling for `options.spinUs` (default the CQ's
   * `spinUs`) microseconds, which blocks this thread for at most that long,
   * then asleep on the event loop (the completion channel on native
   * devices, the doorbell between threads or the hub's socket on loop0).
   * @throws InvalidArgumentError for a bad option.
   * @throws ClosedError when closed. @throws RdmaError `ERR_CQ_OVERRUN` after an overrun.
   */
  async wait(options?: WaitOptions): Promise<void> {
    this.life.assertOpen();
    let spinUs = this.spinUs;
    if (options !== undefined) {
      checkOptions('wait()', 'options', options, WAIT_OPTIONS);
      if (options.spinUs !== undefined) spinUs = checkInt('options.spinUs', options.spinUs, 0, MAX_SPIN_US);
    }
    await this.#waitOrClose(spinUs);
    this.life.assertOpen();
  }

  /** Poll the backend for up to `us` microseconds; true as soon as a completion is ready. */
  #spin(us: number): boolean {
    const raw = this.raw;
    if (raw.ready()) return true;
    const end = performance.now() + us / 1000;
    while (performance.now() < end) {
      if (raw.ready()) return true;
    }
    return false;
  }

  async #waitOrClose(spinUs: number): Promise<void> {
    if (spinUs > 0 && this.raw.canSpin() && this.#spin(spinUs)) return;
    let onClose!: () => void;
    const closed = new Promise<void>((resolve) => { onClose = resolve; this.#closeWaiters.push(resolve); });
    try {
      await Promise.race([this.raw.waitForCompletion(), closed]);
    } finally {
      this.#closeWaiters = this.#closeWaiters.filter((w) => w !== onClose);
    }
    if (this.life.closed) throw new ClosedError(this.life.label);
  }

  /** Completions as they arrive; ends when the CQ is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<WorkCompletion> {
    for (;;) {
      let wc: WorkCompletion;
      try {
        wc = await this.next();
      } catch (err) {
        if (err instanceof ClosedError && this.life.closed) return;
        throw err;
      }
      yield wc;
    }
  }

  /**
   * Destroy (`ibv_destroy_cq`), closing the QPs that use it first; pending
   * `next()` calls reject with `ClosedError`. Idempotent; never throws.
   */
  override close(): void {
    if (this.closed) return;
    super.close();
    for (const w of this.#closeWaiters) w();
    this.#closeWaiters = [];
  }
}
