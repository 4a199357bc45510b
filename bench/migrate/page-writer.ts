/**
 * A workload for migration runs: every `everyMs` it changes a few bytes in
 * `pagesPerTick` random pages of an image (regions laid end to end), and
 * optionally reports each write (for `markDirty`). `pause()` and `resume()`
 * are what a `MigrationSource` calls around its stop-and-copy.
 */
export class PageWriter {
  readonly #regions: readonly Uint8Array[];
  readonly #pageSize: number;
  readonly #pagesPerTick: number;
  readonly #everyMs: number;
  readonly #onWrite: ((offset: number, length: number) => void) | undefined;
  readonly #pageCount: number;
  #timer: NodeJS.Timeout | null = null;
  #seed = 12345;
  #counter = 0;
  /** Pages written so far. */
  pagesWritten = 0;
  /** Ticks that ran. */
  ticks = 0;

  constructor(regions: readonly Uint8Array[], options: { pageSize: number; pagesPerTick: number; everyMs: number; onWrite?: (offset: number, length: number) => void }) {
    this.#regions = regions;
    this.#pageSize = options.pageSize;
    this.#pagesPerTick = options.pagesPerTick;
    this.#everyMs = options.everyMs;
    this.#onWrite = options.onWrite;
    this.#pageCount = regions.reduce((n, r) => n + r.length / options.pageSize, 0);
  }

  /** True while it writes. */
  get running(): boolean { return this.#timer !== null; }

  /** Start (or restart) writing. */
  resume(): void {
    this.#timer ??= setInterval(() => this.tick(), this.#everyMs);
  }

  /** Stop writing; nothing is written after this returns. */
  pause(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Write one tick's pages now. */
  tick(): void {
    this.ticks++;
    for (let i = 0; i < this.#pagesPerTick; i++) this.writePage(this.#next() % this.#pageCount);
  }

  /** Change 8 bytes somewhere in page `page` (counted across the regions). */
  writePage(page: number): void {
    let p = page;
    let r = 0;
    while (p >= this.#regions[r]!.length / this.#pageSize) p -= this.#regions[r++]!.length / this.#pageSize;
    const inPage = (this.#next() % (this.#pageSize / 8)) * 8;
    const bytes = this.#regions[r]!;
    const at = p * this.#pageSize + inPage;
    this.#counter++;
    for (let k = 0; k < 8; k++) bytes[at + k] = (this.#counter >>> (k * 4)) ^ (this.#seed >>> k);
    this.pagesWritten++;
    this.#onWrite?.(page * this.#pageSize + inPage, 8);
  }

  #next(): number {
    this.#seed = (Math.imul(this.#seed, 1103515245) + 12345) >>> 0;
    return this.#seed >>> 8;
  }
}
