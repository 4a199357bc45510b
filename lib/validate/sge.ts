import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { SgeSpec } from '../provider/spi.js';
import type { Sge } from '../types/work-request.js';
import { MemoryRegion } from '../memory-region.js';
import { describe } from './numbers.js';
import { memoryIntact } from '../provider/memory-intact.js';

/**
 * Validate a scatter/gather list against the regions' bounds.
 * @throws InvalidArgumentError for a missing region, a region whose memory was
 *   detached after registration, a range outside it, or more than `maxSge` entries.
 * @throws ClosedError when a region is closed.
 */
export function toSgeSpecs(name: string, list: readonly Sge[] | undefined, maxSge: number): { sges: SgeSpec[]; length: number } {
  if (list === undefined) return { sges: [], length: 0 };
  if (!Array.isArray(list)) throw new InvalidArgumentError(name, `must be an array of { mr, offset?, length? }, got ${describe(list)}`);
  if (list.length > maxSge) throw new InvalidArgumentError(name, `has ${list.length} entries, more than the QP's maxSge ${maxSge}`);
  const sges: SgeSpec[] = [];
  let length = 0;
  for (let i = 0; i < list.length; i++) {
    const sge = list[i] as Sge | undefined;
    const at = `${name}[${i}]`;
    if (sge === null || typeof sge !== 'object' || !(sge.mr instanceof MemoryRegion)) {
      throw new InvalidArgumentError(`${at}.mr`, 'must be a MemoryRegion');
    }
    const mrLength = sge.mr.length;
    const offset = sge.offset ?? 0;
    if (!Number.isInteger(offset) || offset < 0 || offset > mrLength) {
      throw new InvalidArgumentError(`${at}.offset`, `must be an integer from 0 to ${mrLength} (the region's length), got ${describe(offset)}`);
    }
    const len = sge.length ?? mrLength - offset;
    if (!Number.isInteger(len) || len < 0 || offset + len > mrLength) {
      throw new InvalidArgumentError(`${at}.length`, `offset ${offset} + length ${describe(len)} exceeds the region's ${mrLength} bytes`);
    }
    const mr = sge.mr.backend();
    if (!memoryIntact(mr)) {
      throw new InvalidArgumentError(`${at}.mr`, 'lost its memory: the ArrayBuffer was detached (transferred) after registration; register a SharedArrayBuffer or context.allocBuffer() memory to share bytes with other threads');
    }
    sges.push({ mr, offset, length: len });
    length += len;
  }
  if (length > 0xffff_ffff) throw new InvalidArgumentError(name, `total length ${length} exceeds 2^32-1`);
  return { sges, length };
}
