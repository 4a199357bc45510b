import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { Sge } from '../types/work-request.js';
import { MemoryRegion } from '../memory-region.js';
import { describe } from './numbers.js';
import { memoryIntact } from '../provider/memory-intact.js';
import { setSge, type SgeSlot } from './spec-pool.js';
import { sgePath, wrPath } from './wr-path.js';

/**
 * Validate the scatter/gather list of request `wr` (its index in the
 * posted array) against the regions' bounds, writing it into `slots`
 * (reused from the previous post; resized to the list's length). Builds no
 * string and, once `slots` has grown, allocates nothing unless it throws.
 * @returns the total length in bytes.
 * @throws InvalidArgumentError for a missing region, a region whose memory was
 *   detached after registration, a range outside it, or more than `maxSge` entries.
 * @throws ClosedError when a region is closed.
 */
export function fillSgeSpecs(wr: number, list: readonly Sge[] | undefined, maxSge: number, slots: SgeSlot[]): number {
  if (list === undefined) {
    if (slots.length !== 0) slots.length = 0;
    return 0;
  }
  if (!Array.isArray(list)) throw new InvalidArgumentError(wrPath(wr, 'sgList'), `must be an array of { mr, offset?, length? }, got ${describe(list)}`);
  const n = list.length;
  if (n > maxSge) throw new InvalidArgumentError(wrPath(wr, 'sgList'), `has ${n} entries, more than the QP's maxSge ${maxSge}`);
  let length = 0;
  for (let j = 0; j < n; j++) {
    const sge = list[j] as Sge | undefined;
    if (sge === null || typeof sge !== 'object' || !(sge.mr instanceof MemoryRegion)) {
      throw new InvalidArgumentError(sgePath(wr, j, 'mr'), 'must be a MemoryRegion');
    }
    const mrLength = sge.mr.length;
    const offset = sge.offset ?? 0;
    if (!Number.isInteger(offset) || offset < 0 || offset > mrLength) {
      throw new InvalidArgumentError(sgePath(wr, j, 'offset'), `must be an integer from 0 to ${mrLength} (the region's length), got ${describe(offset)}`);
    }
    const len = sge.length ?? mrLength - offset;
    if (!Number.isInteger(len) || len < 0 || offset + len > mrLength) {
      throw new InvalidArgumentError(sgePath(wr, j, 'length'), `offset ${offset} + length ${describe(len)} exceeds the region's ${mrLength} bytes`);
    }
    const mr = sge.mr.backend();
    if (!memoryIntact(mr)) {
      throw new InvalidArgumentError(sgePath(wr, j, 'mr'), 'lost its memory: the ArrayBuffer was detached (transferred) after registration; register a SharedArrayBuffer or context.allocBuffer() memory to share bytes with other threads');
    }
    setSge(slots, j, mr, offset, len);
    length += len;
  }
  if (slots.length !== n) slots.length = n;
  if (length > 0xffff_ffff) throw new InvalidArgumentError(wrPath(wr, 'sgList'), `total length ${length} exceeds 2^32-1`);
  return length;
}
