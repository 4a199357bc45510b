/**
 * A first-in first-out queue over one array: taking moves a head index
 * instead of shifting, and the consumed front is dropped in bulk once it is
 * most of the array.
 */
export class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  /** How many items wait. */
  get size(): number { return this.#items.length - this.#head; }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The oldest item, removed; undefined when empty. */
  take(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head++]!;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** The waiting items, oldest first (a copy; nothing is removed). */
  items(): T[] {
    return this.#items.slice(this.#head);
  }

  /** Forget every item. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
