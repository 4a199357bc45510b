import type { CompletionQueue } from '../completion-queue.js';
import type { WcBatch } from '../wc-batch.js';
import { RdmaError } from '../errors/rdma-error.js';
import { WorkCompletionError } from '../errors/work-completion-error.js';
import { nowUs, yieldToLoop } from './clock.js';

/**
 * How a side waits for completions:
 * - `spin`: busy-poll `pollBatch` (yields to the event loop only after many empty polls);
 * - `yield`: poll once, then let the event loop turn once (`setImmediate`);
 * - `wait`: poll once, then `await cq.wait()` (the completion-channel path).
 */
export type PollMode = 'spin' | 'yield' | 'wait';

export const POLL_MODES: readonly PollMode[] = ['spin', 'yield', 'wait'];

/** Empty polls in a row before a spinning side lets the event loop run (RNR timers, messages). */
const SPIN_CHUNK = 4096;

/**
 * In `wait` mode, a `cq.wait()` that has not resolved after at least this
 * long is given up and the CQ polled again. When that poll finds
 * completions, the wait missed its wake-up: counted in `lostWakeups`, never
 * hidden (and the test goes on instead of hanging).
 */
const WATCHDOG_MS = 50;

const TRUE = (): boolean => true;
const FALSE = (): boolean => false;

/**
 * The waiting policy of one side for one test: poll mode, the peer's step
 * function when the peer lives in the same thread, and a deadline after
 * which a stalled test fails instead of hanging.
 */
export class Pacer {
  /** Empty polls before `stall()`. */
  readonly spins: number;
  readonly #deadlineUs: number;
  readonly #what: string;
  #timer: NodeJS.Timeout | null = null;
  #expired: Promise<void> | null = null;
  #watchdog: NodeJS.Timeout | null = null;
  #tick: Promise<void> | null = null;
  #fireTick: () => void = () => {};
  /** The last wait was ended by the watchdog, not by the CQ. */
  #suspect = false;
  /** Waits that missed their wake-up (see `WATCHDOG_MS`). */
  lostWakeups = 0;

  /**
   * @param idle called after each empty poll (the same-thread peer's step; a no-op otherwise)
   * @param timeoutMs how long the whole test may take
   */
  constructor(readonly mode: PollMode, readonly idle: () => void, timeoutMs: number, what: string) {
    this.spins = mode === 'spin' ? SPIN_CHUNK : 1;
    this.#deadlineUs = nowUs() + timeoutMs * 1000;
    this.#what = what;
  }

  /**
   * Poll `cq` until it yields completions, calling `idle` between empty
   * polls and `stall` after `spins` of them. Throws on a failed completion.
   */
  async next(cq: CompletionQueue, batch: WcBatch): Promise<number> {
    let n = this.spinPoll(cq, batch);
    while (n === 0) {
      await this.stall(cq);
      n = this.spinPoll(cq, batch);
    }
    return n;
  }

  /** Up to `spins` polls; returns the count of the first non-empty one, or 0. */
  spinPoll(cq: CompletionQueue, batch: WcBatch): number {
    const idle = this.idle;
    for (let i = 0; i < this.spins; i++) {
      const n = cq.pollBatch(batch);
      if (this.#suspect) this.settle(n > 0);
      if (n > 0) {
        checkBatch(batch, n);
        return n;
      }
      idle();
    }
    return 0;
  }

  /** After a wait the watchdog ended: `found` tells whether work was ready all along. */
  settle(found: boolean): void {
    if (!this.#suspect) return;
    this.#suspect = false;
    if (found) this.lostWakeups++;
  }

  /**
   * Nothing arrived for a while: let the event loop run (and, in `wait`
   * mode with a CQ, sleep on it). @throws RdmaError `ERR_TIMEOUT` after the deadline.
   */
  async stall(cq: CompletionQueue | null): Promise<void> {
    if (nowUs() > this.#deadlineUs) throw new RdmaError('ERR_TIMEOUT', `${this.#what}: timed out waiting for completions`);
    if (this.mode === 'wait' && cq !== null) {
      const start = nowUs();
      const wait = cq.wait().then(TRUE);
      for (;;) {
        const woke = await Promise.race([wait, this.#nextTick().then(FALSE), this.#expiry().then(FALSE)]);
        if (woke) return;
        if (nowUs() - start >= WATCHDOG_MS * 1000 || nowUs() > this.#deadlineUs) {
          this.#suspect = true;
          return;
        }
      }
    }
    await yieldToLoop();
  }

  /** Stop the deadline timer. */
  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#timer = null;
    this.#watchdog = null;
  }

  /** A promise the watchdog resolves at its next beat (one interval timer per pacer). */
  #nextTick(): Promise<void> {
    if (!this.#watchdog) {
      this.#watchdog = setInterval(() => {
        const fire = this.#fireTick;
        this.#tick = null;
        fire();
      }, WATCHDOG_MS);
      this.#watchdog.unref();
    }
    if (!this.#tick) this.#tick = new Promise((resolve) => { this.#fireTick = resolve; });
    return this.#tick;
  }

  #expiry(): Promise<void> {
    if (!this.#expired) {
      const left = Math.max(1, Math.ceil((this.#deadlineUs - nowUs()) / 1000));
      this.#expired = new Promise((resolve) => {
        this.#timer = setTimeout(resolve, left);
        this.#timer.unref();
      });
    }
    return this.#expired;
  }
}

/** @throws WorkCompletionError for the first failed completion of the batch. */
export function checkBatch(batch: WcBatch, n: number): void {
  for (let i = 0; i < n; i++) {
    const status = batch.status(i);
    if (status !== 0) throw new WorkCompletionError(status, batch.wrId(i), batch.opcode(i), batch.vendorErr(i));
  }
}
