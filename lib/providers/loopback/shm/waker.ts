import { BlockWord } from './layout.js';
import type { ThreadBlock } from './thread-block.js';

type WaitResult = { readonly async: false; readonly value: string } | { readonly async: true; readonly value: Promise<string> };
type WaitAsync = (array: Int32Array, index: number, value: number) => WaitResult;

/** `Atomics.waitAsync` (ES2024; Node 16 and later). */
const waitAsync = (Atomics as unknown as { readonly waitAsync: WaitAsync }).waitAsync;

/**
 * Runs `work` on this thread's event loop whenever its doorbell rings,
 * through `Atomics.waitAsync` (which does not keep the thread alive).
 *
 * The handshake with producers (`ThreadBlock.ring`) uses one word, the
 * sleeping flag, and the thread waits on that very word: it raises the
 * flag, drains, then waits for the flag to change. A producer publishes its
 * records, then takes the flag down and notifies. Whichever comes first,
 * nothing is lost: a producer that takes the flag down before the wait
 * begins makes the wait return at once ("not-equal"), and one that takes it
 * down later wakes it. While the thread polls synchronously the flag is
 * down too, so producers skip `Atomics.notify`; it goes back up (and the
 * rings are drained once more) when the thread returns to its event loop.
 */
export class Waker {
  readonly #words: Int32Array;
  readonly #work: () => void;
  #armed = false;
  #resumeQueued = false;

  constructor(block: ThreadBlock, work: () => void) {
    this.#words = block.words;
    this.#work = work;
  }

  /** Start waiting for the doorbell (once; it re-arms itself). */
  arm(): void {
    if (this.#armed) return;
    const w = this.#words;
    Atomics.store(w, BlockWord.SLEEPING, 1);
    this.#work();
    const r = waitAsync(w, BlockWord.SLEEPING, 1);
    this.#armed = true;
    if (r.async) void r.value.then(this.#onWake);
    else setImmediate(this.#onWake);
  }

  /** The thread is polling synchronously: producers need not notify until it is back on its event loop. */
  polling(): void {
    if (this.#resumeQueued || Atomics.load(this.#words, BlockWord.SLEEPING) === 0) return;
    Atomics.store(this.#words, BlockWord.SLEEPING, 0);
    this.#resumeQueued = true;
    setImmediate(this.#resume);
  }

  readonly #onWake = (): void => {
    this.#armed = false;
    this.arm();
  };

  /**
   * Back on the event loop after polling: raise the flag again, then drain
   * what came meanwhile. The wait begun by `arm` is still pending on the
   * flag; the next producer to take the flag down wakes it.
   */
  readonly #resume = (): void => {
    this.#resumeQueued = false;
    Atomics.store(this.#words, BlockWord.SLEEPING, 1);
    this.#work();
  };
}
