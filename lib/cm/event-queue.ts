/**
 * A queue of values read by an async iterator: `push` hands a value to a
 * waiting reader or keeps it; `end` finishes every reader. Nothing polls:
 * a reader waits on a promise that `push` resolves.
 */
export class EventQueue<T> {
  readonly #items: T[] = [];
  readonly #readers: Array<(r: IteratorResult<T, undefined>) => void> = [];
  #ended = false;

  push(item: T): void {
    if (this.#ended) return;
    const reader = this.#readers.shift();
    if (reader) reader({ value: item, done: false });
    else this.#items.push(item);
  }

  /** No more values: waiting and later readers get `done` once the kept values are read. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const reader of this.#readers.splice(0)) reader({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T, undefined>> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#readers.push(resolve));
  }
}
