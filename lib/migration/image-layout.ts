import { MemoryRegion } from '../memory-region.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { ClosedError } from '../errors/closed-error.js';
import { checkInt, describe } from '../validate/numbers.js';

/** A byte range of an image: offsets count across its regions, in order, as if they were one buffer. */
export interface ImageRange {
  readonly offset: number;
  readonly length: number;
}

/** A run of consecutive pages inside one region. */
export interface PageRun {
  readonly region: number;
  /** Byte offset in the region. */
  readonly offset: number;
  readonly firstPage: number;
  readonly pages: number;
}

/** The default page size: 4 KiB. */
export const DEFAULT_PAGE_SIZE = 4096;

/**
 * The pages of an image: its registered regions laid end to end and cut
 * into pages of `pageSize` bytes. Page `i` lives in one region only (every
 * region is a whole number of pages).
 */
export class ImageLayout {
  readonly regions: readonly MemoryRegion[];
  readonly pageSize: number;
  readonly pageCount: number;
  readonly byteLength: number;
  /** The first page of each region; one entry more: `pageCount`. */
  readonly #firstPage: number[];
  readonly #regionOf: Uint32Array;

  private constructor(regions: readonly MemoryRegion[], pageSize: number) {
    this.regions = regions;
    this.pageSize = pageSize;
    this.#firstPage = [0];
    for (const mr of regions) this.#firstPage.push(this.#firstPage.at(-1)! + mr.length / pageSize);
    this.pageCount = this.#firstPage.at(-1)!;
    this.byteLength = this.pageCount * pageSize;
    this.#regionOf = new Uint32Array(this.pageCount);
    regions.forEach((_, r) => this.#regionOf.fill(r, this.#firstPage[r], this.#firstPage[r + 1]));
  }

  /**
   * Check an image's regions and page size.
   * @param name - the option the regions came in, e.g. `"options.regions"`.
   * @throws InvalidArgumentError for an empty list, something that is not an
   *   open `MemoryRegion`, a page size that is not a power of two from 512
   *   to 1 MiB, or a region whose length is not a whole number of pages.
   */
  static check(name: string, regions: unknown, pageSize: unknown = DEFAULT_PAGE_SIZE): ImageLayout {
    const size = checkInt('options.pageSize', pageSize, 512, 1 << 20);
    if ((size & (size - 1)) !== 0) throw new InvalidArgumentError('options.pageSize', `must be a power of two, got ${size}`);
    if (!Array.isArray(regions) || regions.length === 0) throw new InvalidArgumentError(name, `must be a non-empty array of MemoryRegion, got ${describe(regions)}`);
    for (const [i, mr] of regions.entries()) {
      if (!(mr instanceof MemoryRegion)) throw new InvalidArgumentError(`${name}[${i}]`, `must be a MemoryRegion, got ${describe(mr)}`);
      if (mr.closed) throw new ClosedError('MemoryRegion');
      if (mr.length === 0 || mr.length % size !== 0) throw new InvalidArgumentError(`${name}[${i}]`, `its ${mr.length} bytes are not a whole number of ${size}-byte pages`);
    }
    if (new Set(regions).size !== regions.length) throw new InvalidArgumentError(name, 'lists a region twice');
    return new ImageLayout(regions as MemoryRegion[], size);
  }

  /** Lengths of the regions in pages. */
  regionPages(): number[] {
    return this.regions.map((_, r) => this.#firstPage[r + 1]! - this.#firstPage[r]!);
  }

  /** The region page `page` lives in. */
  regionOf(page: number): number { return this.#regionOf[page]!; }

  /** The byte offset of page `page` in its region. */
  offsetOf(page: number): number { return (page - this.#firstPage[this.#regionOf[page]!]!) * this.pageSize; }

  /** The bytes of page `page` (a view into its region). */
  pageBytes(page: number): Uint8Array {
    const at = this.offsetOf(page);
    return this.regions[this.regionOf(page)]!.buffer.subarray(at, at + this.pageSize);
  }

  /**
   * The pages a byte range touches: `[first, end)`.
   * @throws InvalidArgumentError for a range that is not inside the image.
   */
  pagesOf(name: string, offset: unknown, length: unknown): [number, number] {
    const at = checkInt(`${name}.offset`, offset, 0, this.byteLength);
    const n = checkInt(`${name}.length`, length, 0, this.byteLength - at);
    if (n === 0) return [0, 0];
    return [Math.floor(at / this.pageSize), Math.ceil((at + n) / this.pageSize)];
  }

  /**
   * Runs of consecutive pages for which `pick(page)` holds, each inside one
   * region and at most `maxPages` long.
   */
  runs(pick: (page: number) => boolean, maxPages: number): PageRun[] {
    const out: PageRun[] = [];
    let start = -1;
    const flush = (end: number): void => {
      if (start >= 0) out.push({ region: this.regionOf(start), offset: this.offsetOf(start), firstPage: start, pages: end - start });
      start = -1;
    };
    for (let p = 0; p < this.pageCount; p++) {
      if (!pick(p)) { flush(p); continue; }
      if (start >= 0 && (this.regionOf(p) !== this.regionOf(start) || p - start >= maxPages)) flush(p);
      if (start < 0) start = p;
    }
    flush(this.pageCount);
    return out;
  }

  /** Call `visit` for each piece of a byte range that lies in one page: the page, the offset in it, the length, and the offset in the range. */
  forEachPiece(offset: number, length: number, visit: (page: number, inPage: number, n: number, at: number) => void): void {
    for (let at = 0; at < length;) {
      const page = Math.floor((offset + at) / this.pageSize);
      const inPage = (offset + at) % this.pageSize;
      const n = Math.min(this.pageSize - inPage, length - at);
      visit(page, inPage, n, at);
      at += n;
    }
  }
}
