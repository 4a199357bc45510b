import type { PreparedBackend } from './provider/spi.js';
import type { Sge } from './types/work-request.js';
import type { RecvSlot, SendSlot } from './validate/spec-pool.js';
import type { MemoryRegion } from './memory-region.js';
import type { AddressHandle } from './address-handle.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import { memoryIntact } from './provider/memory-intact.js';
import { describe, intError, isIntIn, MAX_WR_ID } from './validate/numbers.js';
import { sgePath } from './validate/wr-path.js';

/** What a prepared set needs from its queue pair: to say whether it is still open. */
export interface PreparedOwner {
  /** @throws ClosedError when closed. */
  backend(): unknown;
}

/**
 * Work requests validated and packed once, posted many times: the common
 * part of `PreparedSend` and `PreparedRecv`. Setters change one field of
 * one request (checking only what they change); `post()` posts them all in
 * one provider call. Closing the queue pair or a region the requests use
 * makes `post()` throw `ClosedError`.
 */
export abstract class PreparedRequests<S extends SendSlot | RecvSlot> {
  readonly #owner: PreparedOwner;
  readonly #raw: PreparedBackend;
  /** The distinct regions the requests use, and where each first appears (for messages). */
  readonly #regions: MemoryRegion[] = [];
  readonly #regionAt: Array<[number, number]> = [];
  readonly #handles: AddressHandle[];
  /** @internal The validated requests, changed only by the setters. */
  protected readonly specs: readonly S[];

  /** @internal */
  protected constructor(owner: PreparedOwner, specs: readonly S[], lists: ReadonlyArray<readonly Sge[] | undefined>, handles: AddressHandle[], raw: PreparedBackend) {
    this.#owner = owner;
    this.specs = specs;
    this.#handles = handles;
    this.#raw = raw;
    lists.forEach((list, i) => list?.forEach((sge, j) => {
      if (!this.#regions.includes(sge.mr)) {
        this.#regions.push(sge.mr);
        this.#regionAt.push([i, j]);
      }
    }));
  }

  /** How many requests each `post()` posts. */
  get count(): number { return this.specs.length; }

  /**
   * Post every request, with the values the setters left, in one provider
   * call (one `ibv_post_send` / `ibv_post_recv` chain on native devices).
   * @throws ClosedError when the queue pair, a region or an address handle is closed.
   * @throws InvalidArgumentError when a region's memory was detached after registration.
   * @throws RdmaError `ERR_BAD_STATE` and VerbsError `ENOMEM` as `postSend` / `postRecv` do.
   */
  post(): void {
    this.#owner.backend();
    const regions = this.#regions;
    for (let k = 0; k < regions.length; k++) {
      if (!memoryIntact(regions[k]!.backend())) {
        const [i, j] = this.#regionAt[k]!;
        throw new InvalidArgumentError(sgePath(i, j, 'mr'), 'lost its memory: the ArrayBuffer was detached (transferred) after registration');
      }
    }
    const handles = this.#handles;
    for (let k = 0; k < handles.length; k++) handles[k]!.backend();
    this.#raw.post();
  }

  /**
   * Set request `i`'s work-request id (0 to 2^53-1).
   * @throws InvalidArgumentError for a bad index or id.
   */
  setWrId(i: number, wrId: number): void {
    const s = this.slot(i);
    if (!isIntIn(wrId, 0, MAX_WR_ID)) throw intError('wrId', wrId, 0, MAX_WR_ID);
    s.wrId = wrId;
    this.#raw.changed(i);
  }

  /**
   * Set where SGE `j` of request `i` lies in its region: `offset` and
   * `length` (default: to the region's end). The region stays the one it was prepared with.
   * @throws InvalidArgumentError for a bad index, a range outside the region,
   *   or a total the request cannot carry (over 2^31 bytes, over the QP's
   *   `maxInline` for an inline send, other than 8 bytes for an atomic).
   */
  setSge(i: number, j: number, offset: number, length?: number): void {
    const s = this.slot(i);
    if (!isIntIn(j, 0, s.sgList.length - 1)) throw new InvalidArgumentError('j', `must be an SGE index of wr[${i}] (it has ${s.sgList.length}), got ${describe(j)}`);
    const sge = s.sgList[j]!;
    const mrLength = sge.mr.length;
    if (!isIntIn(offset, 0, mrLength)) {
      throw new InvalidArgumentError(sgePath(i, j, 'offset'), `must be an integer from 0 to ${mrLength} (the region's length), got ${describe(offset)}`);
    }
    const len = length ?? mrLength - offset;
    if (!isIntIn(len, 0, mrLength - offset)) {
      throw new InvalidArgumentError(sgePath(i, j, 'length'), `offset ${offset} + length ${describe(len)} exceeds the region's ${mrLength} bytes`);
    }
    const total = s.length - sge.length + len;
    this.checkLength(i, total);
    sge.offset = offset;
    sge.length = len;
    s.length = total;
    this.#raw.changed(i);
  }

  /** @internal Request `i`'s spec. @throws InvalidArgumentError for an index out of range. */
  protected slot(i: number): S {
    if (!isIntIn(i, 0, this.specs.length - 1)) throw new InvalidArgumentError('i', `must be a request index from 0 to ${this.specs.length - 1}, got ${describe(i)}`);
    return this.specs[i]!;
  }

  /** @internal Request `i` changed: repack it. */
  protected changed(i: number): void {
    this.#raw.changed(i);
  }

  /** @internal @throws InvalidArgumentError when request `i` cannot carry `total` bytes. */
  protected abstract checkLength(i: number, total: number): void;
}

/** The SGE lists of validated requests, in order. */
export function sgLists(wrs: ReadonlyArray<{ readonly sgList?: readonly Sge[] }>): Array<readonly Sge[] | undefined> {
  return wrs.map((wr) => wr.sgList);
}
