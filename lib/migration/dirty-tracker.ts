import type { ImageLayout, PageRun } from './image-layout.js';
import { hashImagePages } from './image-hashing.js';

/** Where each page of the source image stands. */
export const PageState = {
  /** Not on the target yet. */
  UNSENT: 0,
  /** On the target as of `sentHash` (sent, or found there already). */
  SENT: 1,
  /** Shared: never copied; the target reads it from the source. */
  DEFERRED: 2,
} as const;

/**
 * How the source finds the pages that changed since they were sent:
 * `'hash'` hashes every page each round and compares (the writer needs to
 * do nothing; `markDirty()` only adds pages); `'marked'` hashes nothing
 * during the rounds and sends only never-sent pages and those the writer
 * passed to `markDirty()` (the writer must mark every write).
 */
export type DirtyTracking = 'hash' | 'marked';

/**
 * The dirty set of a source image: the pages to send in the next round.
 * A page's hash is taken before its bytes are posted, so a write that lands
 * after the hash (even while the RDMA WRITE reads the page) shows up as a
 * changed hash in the next round.
 */
export class DirtyTracker {
  readonly layout: ImageLayout;
  readonly tracking: DirtyTracking;
  /** `PageState` of each page. */
  readonly state: Uint8Array;
  /** The hash of each page as last sent (two words a page; valid for `SENT` pages in `'hash'` tracking). */
  readonly sentHash: Uint32Array;
  /** Pages to send next. */
  readonly #dirty: Uint8Array;
  #marked: Uint8Array;
  #dirtyCount = 0;

  constructor(layout: ImageLayout, tracking: DirtyTracking) {
    this.layout = layout;
    this.tracking = tracking;
    this.state = new Uint8Array(layout.pageCount);
    this.sentHash = new Uint32Array(2 * layout.pageCount);
    this.#dirty = new Uint8Array(layout.pageCount);
    this.#marked = new Uint8Array(layout.pageCount);
  }

  /** Pages waiting to be sent. */
  get dirtyCount(): number { return this.#dirtyCount; }

  /** Pages that are deferred. */
  countDeferred(): number {
    let n = 0;
    for (const s of this.state) if (s === PageState.DEFERRED) n++;
    return n;
  }

  /** Defer pages `[first, end)`: they are never copied. */
  defer(first: number, end: number): void {
    this.state.fill(PageState.DEFERRED, first, end);
  }

  /** Pages `[first, end)` changed: send them in the next round (a deferred one becomes an ordinary page). */
  mark(first: number, end: number): void {
    this.#marked.fill(1, first, end);
    for (let p = first; p < end; p++) if (this.state[p] === PageState.DEFERRED) this.state[p] = PageState.UNSENT;
  }

  /**
   * Pages whose hash equals the one the target advertised (`got[page]` set)
   * are on the target already: they count as sent.
   * @returns the number of such pages.
   */
  async seed(advertised: Uint32Array, got: Uint8Array, signal?: AbortSignal): Promise<number> {
    let found = 0;
    await hashImagePages(this.layout, this.sentHash, (p) => got[p] === 1 && this.state[p] === PageState.UNSENT, (p) => {
      if (this.sentHash[2 * p] === advertised[2 * p] && this.sentHash[2 * p + 1] === advertised[2 * p + 1]) {
        this.state[p] = PageState.SENT;
        found++;
      }
    }, signal);
    return found;
  }

  /**
   * Find the pages that changed since they were sent, add them to the dirty
   * set, and take the marks made so far (marks made while scanning count
   * for the next scan).
   * @returns the size of the dirty set.
   */
  async scan(signal?: AbortSignal): Promise<number> {
    const marks = this.#marked;
    this.#marked = new Uint8Array(this.layout.pageCount);
    const add = (p: number): void => {
      if (this.#dirty[p] === 0) { this.#dirty[p] = 1; this.#dirtyCount++; }
    };
    if (this.tracking === 'marked') {
      for (let p = 0; p < this.layout.pageCount; p++) if (this.state[p] === PageState.UNSENT || marks[p] === 1) add(p);
      return this.#dirtyCount;
    }
    const h = this.sentHash;
    let before0 = 0;
    let before1 = 0;
    await hashImagePages(this.layout, h, (p) => {
      if (this.state[p] === PageState.DEFERRED) return false;
      before0 = h[2 * p]!;
      before1 = h[2 * p + 1]!;
      return true;
    }, (p) => {
      if (this.state[p] === PageState.UNSENT || marks[p] === 1 || h[2 * p] !== before0 || h[2 * p + 1] !== before1) add(p);
    }, signal);
    return this.#dirtyCount;
  }

  /** Take the dirty set as runs of at most `maxPages`; they count as sent. */
  takeDirty(maxPages: number): PageRun[] {
    const runs = this.layout.runs((p) => this.#dirty[p] === 1, maxPages);
    for (const r of runs) this.state.fill(PageState.SENT, r.firstPage, r.firstPage + r.pages);
    this.#dirty.fill(0);
    this.#dirtyCount = 0;
    return runs;
  }

  /** Send these pages again (a verification found them different on the target). */
  redo(pages: readonly number[]): void {
    for (const p of pages) {
      if (this.#dirty[p] === 0) { this.#dirty[p] = 1; this.#dirtyCount++; }
    }
  }
}
