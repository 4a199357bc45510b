import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { hashPageInto } from './page-hash.js';
import type { ImageLayout } from './image-layout.js';

/** Pages hashed between two turns of the event loop (1 MiB of 4 KiB pages). */
const PAGES_PER_SLICE = 256;

/**
 * Hash the pages of an image for which `pick(page)` holds into
 * `out[2 * page]`, `out[2 * page + 1]`, letting the event loop run between
 * slices (the caller's writer keeps running meanwhile). `visit(page)` is
 * called after each page is hashed.
 */
export async function hashImagePages(layout: ImageLayout, out: Uint32Array, pick: (page: number) => boolean, visit?: (page: number) => void, signal?: AbortSignal): Promise<void> {
  const size = layout.pageSize;
  for (let start = 0; start < layout.pageCount; start += PAGES_PER_SLICE) {
    if (start > 0) await yieldToLoop(undefined, { signal });
    const end = Math.min(layout.pageCount, start + PAGES_PER_SLICE);
    for (let p = start; p < end; p++) {
      if (!pick(p)) continue;
      hashPageInto(layout.regions[layout.regionOf(p)]!.buffer, layout.offsetOf(p), size, out, p);
      visit?.(p);
    }
  }
}
