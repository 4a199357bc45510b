import { Lifetime, type Closable } from './lifetime.js';

/**
 * What every public verbs object shares: the provider object behind it, its
 * `Lifetime` (an idempotent close that closes live children first), the
 * `closed` flag and `Symbol.dispose`.
 *
 * A subclass passes its label, its parent's lifetime and its close rank;
 * `close()` releases the provider object once, never throwing.
 */
export abstract class Resource<B extends Closable> implements Closable, Disposable {
  readonly #backend: B;
  /** @internal The close bookkeeping; children adopt themselves into it. */
  protected readonly life: Lifetime;

  /** @internal */
  protected constructor(backend: B, label: string, parent: Lifetime | null, rank: number) {
    this.#backend = backend;
    this.life = new Lifetime(this, label, parent);
    parent?.adopt(this, rank);
  }

  /** True after `close()` (its own or a parent's). */
  get closed(): boolean { return this.life.closed; }

  /** @internal The provider object. @throws ClosedError when closed. */
  backend(): B {
    this.life.assertOpen();
    return this.#backend;
  }

  /** @internal The provider object, without the open check (for getters that stay valid after close). */
  protected get raw(): B { return this.#backend; }

  /** Release the object (and its live children first). Idempotent; never throws. */
  close(): void {
    this.life.close(() => this.#backend.close());
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * A resource that queue pairs use without being its children (a completion
 * queue, a shared receive queue): closing it closes those queue pairs first.
 */
export abstract class SharedResource<B extends Closable> extends Resource<B> {
  readonly #users = new Set<Closable>();

  /** @internal A QP using this resource registers itself so closing the resource closes it first. */
  addUser(qp: Closable): void { this.#users.add(qp); }
  /** @internal */
  removeUser(qp: Closable): void { this.#users.delete(qp); }

  /** Close the queue pairs that use it, then release it. Idempotent; never throws. */
  override close(): void {
    if (this.closed) return;
    for (const qp of [...this.#users]) qp.close();
    super.close();
  }
}
