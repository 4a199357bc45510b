import { WaiterQueue } from './waiter-queue.js';

/**
 * A bounded set of numbered slots: `acquire()` hands out a free one, or
 * waits (in order) until one is released. This bounds the operations a
 * `Connection` has in flight and gives each its own staging bytes.
 */
export class SlotPool {
  readonly #free: number[];
  readonly #waiters = new WaiterQueue<number>();

  constructor(size: number) {
    this.#free = Array.from({ length: size }, (_, i) => size - 1 - i);
  }

  /**
   * A free slot, now or once one is released.
   * @throws AbortedError when `signal` fires first.
   */
  acquire(what: string, signal?: AbortSignal): Promise<number> {
    const slot = signal?.aborted ? undefined : this.#free.pop();
    return slot !== undefined ? Promise.resolve(slot) : this.#waiters.wait(what, signal);
  }

  /** Give a slot back: to the first waiter, or to the free list. */
  release(slot: number): void {
    if (!this.#waiters.give(slot)) this.#free.push(slot);
  }

  /** Reject every waiter with `err` (the pool is shutting down). */
  failWaiters(err: Error): void {
    this.#waiters.failAll(err);
  }
}
