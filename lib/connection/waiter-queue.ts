import { AbortedError } from '../errors/aborted-error.js';

interface Waiter<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (err: Error) => void;
}

/**
 * Callers waiting, in order, for values handed out one at a time (a slot, a
 * message, a connection). A waiter whose `AbortSignal` fires leaves the
 * queue and rejects with `AbortedError`.
 */
export class WaiterQueue<T> {
  readonly #waiters: Waiter<T>[] = [];

  /** Number of callers waiting. */
  get length(): number { return this.#waiters.length; }

  /**
   * Wait for the next value handed to `give()`.
   * @param what - the call, for `AbortedError`'s message (e.g. `"recv()"`).
   * @throws AbortedError when `signal` fires first; whatever `failAll()` is given.
   */
  wait(what: string, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(new AbortedError(what, signal.reason));
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new AbortedError(what, signal?.reason));
      };
      const waiter: Waiter<T> = {
        resolve: (v) => { signal?.removeEventListener('abort', onAbort); resolve(v); },
        reject: (e) => { signal?.removeEventListener('abort', onAbort); reject(e); },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Hand `value` to the first waiter; false when nobody waits. */
  give(value: T): boolean {
    const w = this.#waiters.shift();
    if (!w) return false;
    w.resolve(value);
    return true;
  }

  /** Reject the first waiter with `err`; false when nobody waits. */
  failOne(err: Error): boolean {
    const w = this.#waiters.shift();
    if (!w) return false;
    w.reject(err);
    return true;
  }

  /** Reject every waiter with `err`. */
  failAll(err: Error): void {
    for (const w of this.#waiters.splice(0)) w.reject(err);
  }
}
