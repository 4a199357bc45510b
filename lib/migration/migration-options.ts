import { Connection } from '../connection/connection.js';
import type { MemoryRegion } from '../memory-region.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { checkOptions, optionShape } from '../validate/options.js';
import { checkInt, describe } from '../validate/numbers.js';
import type { DirtyTracking } from './dirty-tracker.js';
import type { ImageLayout, ImageRange } from './image-layout.js';
import type { RoundReport } from './migration-result.js';

/** How a `MigrationSource` copies its image. Only `regions` is required. */
export interface MigrationSourceOptions {
  /** The image: registered regions in `connection.pd`, exposed on the connection (`regions` of `listen()`/`connect()`), each a whole number of pages. */
  readonly regions: readonly MemoryRegion[];
  /** Bytes per page: a power of two from 512 to 1 MiB; default 4096. Both sides must agree. */
  readonly pageSize?: number;
  /** Page-aligned image ranges shared with others: never copied; the target reads them from the source until it writes them. */
  readonly shared?: readonly ImageRange[];
  /** How changed pages are found; default `'hash'`. */
  readonly tracking?: DirtyTracking;
  /** Stop pre-copy once at most this many pages are dirty; default 0.1% of the image's pages, at least 1. */
  readonly threshold?: number;
  /** Pre-copy rounds at most (1..1000); default 30. Pre-copy also stops when the dirty set shrinks by less than a tenth. */
  readonly maxRounds?: number;
  /** Largest RDMA WRITE, in bytes (a multiple of `pageSize`); default 1 MiB. */
  readonly maxWriteBytes?: number;
  /** Stop the writer (the stop-and-copy starts when it resolves). */
  readonly pause?: () => void | Promise<void>;
  /** Start the writer again after a failure that came after `pause`. Not called on success: the workload now lives on the target. */
  readonly resume?: () => void | Promise<void>;
  /** The switchover step, after verification and before the target is told: its bytes reach the target as `MigratedImage.switchoverPayload` (for example the state of what moves with the memory). */
  readonly switchover?: () => Uint8Array | void | Promise<Uint8Array | void>;
  /** Called after each round. */
  readonly onRound?: (round: RoundReport) => void;
  /** Give up: `migrate()` rejects with `MigrationError` (cause `AbortedError`). */
  readonly signal?: AbortSignal;
}

/** How a `MigrationTarget` receives an image. Only `regions` is required. */
export interface MigrationTargetOptions {
  /** Where the image lands: regions in `connection.pd`, exposed on the connection, of the same sizes as the source's. */
  readonly regions: readonly MemoryRegion[];
  /** Bytes per page; must equal the source's. Default 4096. */
  readonly pageSize?: number;
  /** Tell the source the hashes of the pages these regions already hold, so identical pages are not copied; default false. */
  readonly advertise?: boolean;
  /** Called when a round's writes are complete. */
  readonly onRound?: (round: number, pages: number) => void;
  /** Give up: `receive()` rejects with `MigrationError` (cause `AbortedError`). */
  readonly signal?: AbortSignal;
}

const SOURCE_SHAPE = optionShape<MigrationSourceOptions>({
  regions: 'object', pageSize: 'integer', shared: 'object', tracking: 'string', threshold: 'integer', maxRounds: 'integer',
  maxWriteBytes: 'integer', pause: Function, resume: Function, switchover: Function, onRound: Function, signal: AbortSignal,
});

const TARGET_SHAPE = optionShape<MigrationTargetOptions>({
  regions: 'object', pageSize: 'integer', advertise: 'boolean', onRound: Function, signal: AbortSignal,
});

/**
 * Check the connection and options of either side (the shape, and that the
 * regions belong to the connection and are exposed on it).
 * @throws InvalidArgumentError naming the bad argument.
 */
export function checkSide(fn: string, connection: unknown, options: unknown, side: 'source' | 'target'): void {
  if (!(connection instanceof Connection)) throw new InvalidArgumentError('connection', `${fn} expects a Connection (from listen() or connect()), got ${describe(connection)}`);
  checkOptions(fn, 'options', options, side === 'source' ? SOURCE_SHAPE : TARGET_SHAPE);
  const o = options as MigrationSourceOptions;
  if (side === 'source' && o.tracking !== undefined && o.tracking !== 'hash' && o.tracking !== 'marked') {
    throw new InvalidArgumentError('options.tracking', `must be 'hash' or 'marked', got ${describe(o.tracking)}`);
  }
}

/**
 * Check that each region is in the connection's protection domain and exposed to the peer.
 * @throws InvalidArgumentError naming the region.
 */
export function checkExposed(connection: Connection, layout: ImageLayout): number[] {
  return layout.regions.map((mr, i) => {
    if (mr.pd !== connection.pd) throw new InvalidArgumentError(`options.regions[${i}]`, "must belong to the connection's protection domain (connection.pd)");
    const at = connection.regions.indexOf(mr);
    if (at < 0) throw new InvalidArgumentError(`options.regions[${i}]`, 'is not exposed on the connection: pass it in the regions option of listen()/connect()');
    return at;
  });
}

/**
 * The pages of the `shared` ranges.
 * @throws InvalidArgumentError for a range that is not page-aligned or not inside the image.
 */
export function sharedPages(layout: ImageLayout, shared: readonly ImageRange[] | undefined): Array<[number, number]> {
  if (shared === undefined) return [];
  if (!Array.isArray(shared)) throw new InvalidArgumentError('options.shared', `must be an array of { offset, length }, got ${describe(shared)}`);
  return shared.map((r: ImageRange, i) => {
    const name = `options.shared[${i}]`;
    if (r === null || typeof r !== 'object') throw new InvalidArgumentError(name, `must be { offset, length }, got ${describe(r)}`);
    const pages = layout.pagesOf(name, r.offset, r.length);
    if (r.offset % layout.pageSize !== 0 || r.length % layout.pageSize !== 0) throw new InvalidArgumentError(name, `must start and end on ${layout.pageSize}-byte page boundaries`);
    return pages;
  });
}

/** The pre-copy limits, checked. @throws InvalidArgumentError for a value out of range. */
export function precopyLimits(layout: ImageLayout, o: MigrationSourceOptions): { threshold: number; maxRounds: number; maxWritePages: number } {
  const threshold = checkInt('options.threshold', o.threshold ?? Math.max(1, Math.floor(layout.pageCount / 1000)), 0, layout.pageCount);
  const maxRounds = checkInt('options.maxRounds', o.maxRounds ?? 30, 1, 1000);
  const maxWriteBytes = checkInt('options.maxWriteBytes', o.maxWriteBytes ?? 1 << 20, layout.pageSize, 1 << 30);
  if (maxWriteBytes % layout.pageSize !== 0) throw new InvalidArgumentError('options.maxWriteBytes', `must be a multiple of the page size (${layout.pageSize})`);
  return { threshold, maxRounds, maxWritePages: maxWriteBytes / layout.pageSize };
}
