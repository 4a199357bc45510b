import { ClosedError } from './errors/closed-error.js';

/** Something a `Lifetime` can close as a child. */
export interface Closable {
  close(): void;
}

/**
 * Close bookkeeping shared by every resource: an idempotent closed flag, the
 * live children (closed before their parent, in the order of `rank`, lowest
 * first) and the label used in `ClosedError`.
 */
export class Lifetime {
  #closed = false;
  #closing = false;
  readonly #children = new Map<Closable, number>();
  readonly #parent: Lifetime | null;
  readonly #owner: Closable;
  label: string;

  constructor(owner: Closable, label: string, parent: Lifetime | null) {
    this.#owner = owner;
    this.label = label;
    this.#parent = parent;
  }

  /** True once `close()` has begun. */
  get closed(): boolean {
    return this.#closed || this.#closing;
  }

  /** @throws ClosedError when this resource or an ancestor is closed. */
  assertOpen(): void {
    if (this.#closed || this.#closing) throw new ClosedError(this.label);
  }

  /** Register a live child; `rank` orders closing (lower closes first). */
  adopt(child: Closable, rank: number): void {
    this.#children.set(child, rank);
  }

  /** Forget a child that closed itself. */
  release(child: Closable): void {
    this.#children.delete(child);
  }

  /**
   * Run the close sequence once: children (by rank), then `releaseOwn`, then
   * detach from the parent. Errors from children are swallowed (close never
   * throws); the first one is returned for diagnostics.
   */
  close(releaseOwn: () => void): unknown {
    if (this.#closed || this.#closing) return undefined;
    this.#closing = true;
    let firstError: unknown;
    const ordered = [...this.#children.entries()].sort((a, b) => a[1] - b[1]);
    for (const [child] of ordered) {
      try {
        child.close();
      } catch (err) {
        firstError ??= err;
      }
    }
    this.#children.clear();
    try {
      releaseOwn();
    } catch (err) {
      firstError ??= err;
    }
    this.#closed = true;
    this.#parent?.release(this.#owner);
    return firstError;
  }
}

/** Close ranks: CM ids first (they close their queue pairs), then queue pairs, the context's own children last. */
export const CloseRank = {
  CM_ID: -1,
  QP: 0,
  AH: 1,
  MR: 2,
  SRQ: 3,
  PD: 4,
  CQ: 5,
} as const;
