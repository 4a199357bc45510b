import type { Connection } from '../connection/connection.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { MigrationError, MigrationPhase } from '../errors/migration-error.js';
import type { ControlChannel } from './control-channel.js';
import { MIGRATION_VERSION, MessageType, protocolError } from './control-message.js';
import { DirtyTracker, PageState } from './dirty-tracker.js';
import { receiveHashes } from './hash-exchange.js';
import { packShortRuns, pagesPerMessage } from './page-packing.js';
import { hashImagePages } from './image-hashing.js';
import { MigrationSide } from './migration-side.js';
import { precopyLimits, sharedPages, type MigrationSourceOptions } from './migration-options.js';
import type { MigrationResult, RoundReport } from './migration-result.js';

/** Verification passes before a migration gives up on pages that keep differing. */
const MAX_VERIFY_PASSES = 3;

/**
 * The sending side of a live memory migration. It copies an image (a set
 * of registered regions) to a `MigrationTarget` over a `Connection` in
 * pre-copy rounds of RDMA WRITEs while the caller keeps changing it, pauses
 * the caller's writer for a last stop-and-copy round, checks that both
 * sides hold the same bytes (page hashes), and hands over. Shared pages
 * are not copied: the target reads them from this side until it writes
 * them. The source's image is only read, never written.
 *
 * The connection carries the migration's control messages: while the
 * source is alive it reads every message that arrives on it.
 */
export class MigrationSource extends MigrationSide<MigrationResult> {
  readonly #options: MigrationSourceOptions;
  readonly #tracker: DirtyTracker;
  readonly #limits: { threshold: number; maxRounds: number; maxWritePages: number };
  /** The target's index of each image region among the regions it exposed. */
  #targetIndexes: number[] = [];
  #paused = false;

  /**
   * @param connection - a connected `Connection` whose peer runs a `MigrationTarget`.
   * @throws InvalidArgumentError for a bad option, regions that are not in `connection.pd` or not exposed on it, or shared ranges off page boundaries or outside the image.
   * @throws ClosedError when a region is closed.
   */
  constructor(connection: Connection, options: MigrationSourceOptions) {
    super('MigrationSource', connection, options);
    this.#options = options;
    this.#limits = precopyLimits(this.layout, options);
    this.#tracker = new DirtyTracker(this.layout, options.tracking ?? 'hash');
    for (const [first, end] of sharedPages(this.layout, options.shared)) this.#tracker.defer(first, end);
  }

  /**
   * The writer changed `length` bytes at `offset` of the image: send those
   * pages in the next round, whatever their hash says (a shared page becomes
   * an ordinary one and is copied). In `'marked'` tracking the writer must
   * call this for every write.
   * @throws InvalidArgumentError for a range outside the image.
   */
  markDirty(offset: number, length: number): void {
    const [first, end] = this.layout.pagesOf('markDirty()', offset, length);
    this.#tracker.mark(first, end);
  }

  /**
   * Run the migration (once; later calls return the same promise).
   * @returns what it did, once the target holds a verified image.
   * @throws MigrationError `ERR_MIGRATION_ABORTED` with the `phase` and the
   *   `cause`: the peer went away (`WorkCompletionError`, `ERR_PEER_GONE`),
   *   the target gave up (`ERR_MIGRATION_PEER_ABORTED`) or has another
   *   layout, pages kept differing after verification, the signal fired or
   *   `close()` was called. `resume` was called if `pause` had been.
   */
  migrate(): Promise<MigrationResult> {
    return this.start();
  }

  /** @internal */
  protected async run(channel: ControlChannel, signal: AbortSignal): Promise<MigrationResult> {
    const present = await this.#setup(channel, signal);
    const rounds: RoundReport[] = [];
    this.phaseNow = MigrationPhase.PRECOPY;
    await this.#precopy(channel, rounds, signal);
    this.phaseNow = MigrationPhase.STOP_AND_COPY;
    await this.#options.pause?.();
    this.#paused = true;
    const pausedAt = performance.now();
    await this.#tracker.scan(signal);
    await this.#round(channel, rounds, 'stop-and-copy', signal);
    const stopAndCopyMs = performance.now() - pausedAt;
    this.phaseNow = MigrationPhase.VERIFY;
    const verifyStart = performance.now();
    const { verifiedPages, repairedPages } = await this.#verify(channel, rounds, signal);
    const verifyMs = performance.now() - verifyStart;
    this.phaseNow = MigrationPhase.SWITCHOVER;
    const payload = (await this.#options.switchover?.()) ?? new Uint8Array(0);
    if (!(payload instanceof Uint8Array)) throw new InvalidArgumentError('options.switchover', 'must resolve to a Uint8Array or nothing');
    if (payload.length > channel.room) throw new InvalidArgumentError('options.switchover', `its ${payload.length} bytes exceed one control message (${channel.room} bytes)`);
    signal.throwIfAborted();
    await channel.send(MessageType.DONE, [], payload, signal);
    const pauseMs = performance.now() - pausedAt;
    return this.#result(rounds, present, { pauseMs, stopAndCopyMs, verifyMs, verifiedPages, repairedPages });
  }

  /** HELLO, the target's advertised hashes, READY. @returns pages the target already held. */
  async #setup(channel: ControlChannel, signal: AbortSignal): Promise<number> {
    const l = this.layout;
    await channel.send(MessageType.HELLO, [MIGRATION_VERSION, l.pageSize, l.regions.length, ...l.regionPages(), ...this.indexes], undefined, signal);
    let msg = await channel.next([MessageType.HASHES, MessageType.HASHES_END, MessageType.READY], signal);
    let present = 0;
    if (msg.type !== MessageType.READY) {
      const advertised = new Uint32Array(2 * l.pageCount);
      const got = new Uint8Array(l.pageCount);
      if (msg.type === MessageType.HASHES) {
        const [first = 0, count = 0] = msg.words;
        if (first + count > l.pageCount || msg.tail.length !== 8 * count) throw protocolError('HASHES outside the image');
        advertised.set(new Uint32Array(msg.tail.buffer, msg.tail.byteOffset, 2 * count), 2 * first);
        got.fill(1, first, first + count);
        await receiveHashes(channel, advertised, got, signal);
      }
      present = await this.#tracker.seed(advertised, got, signal);
      msg = await channel.next([MessageType.READY], signal);
    }
    if (msg.words.length !== l.regions.length) throw protocolError(`the target named ${msg.words.length} regions for an image of ${l.regions.length}`);
    this.#targetIndexes = Array.from(msg.words);
    return present;
  }

  /** Rounds while the writer runs, until the dirty set is small, stops shrinking, or the round limit. */
  async #precopy(channel: ControlChannel, rounds: RoundReport[], signal: AbortSignal): Promise<void> {
    let previous = Infinity;
    for (let n = 0; ; n++) {
      const dirty = await this.#tracker.scan(signal);
      const stalled = n > 0 && dirty > previous * 0.9;
      if (dirty <= this.#limits.threshold || stalled || n >= this.#limits.maxRounds) return;
      previous = dirty;
      await this.#round(channel, rounds, 'precopy', signal);
    }
  }

  /** Write the dirty set to the target (short runs packed in messages) and say the round is over. */
  async #round(channel: ControlChannel, rounds: RoundReport[], kind: RoundReport['kind'], signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const size = this.layout.pageSize;
    const runs = this.#tracker.takeDirty(this.#limits.maxWritePages);
    const { writes, messages, packedPages } = packShortRuns(this.layout, runs, pagesPerMessage(channel.room, size));
    await Promise.all([
      ...writes.map((r) => this.conn.write(
        { mr: this.layout.regions[r.region]!, offset: r.offset, length: r.pages * size },
        { region: this.#targetIndexes[r.region]!, offset: r.offset },
        { signal },
      )),
      ...messages.map((m) => this.conn.send(m, { signal })),
    ]);
    const pages = runs.reduce((n, r) => n + r.pages, 0);
    const report: RoundReport = { round: rounds.length + 1, kind, pages, bytes: pages * size, writes: writes.length, packedPages, ms: performance.now() - started };
    rounds.push(report);
    await channel.send(MessageType.ROUND_END, [report.round, pages], undefined, signal);
    this.#options.onRound?.(report);
  }

  /** Tell the target which pages are deferred, compare hashes, send differing pages again. */
  async #verify(channel: ControlChannel, rounds: RoundReport[], signal: AbortSignal): Promise<{ verifiedPages: number; repairedPages: number }> {
    const l = this.layout;
    const state = this.#tracker.state;
    const deferred = l.runs((p) => state[p] === PageState.DEFERRED, l.pageCount);
    const perMessage = Math.floor((channel.room - 4) / 8);
    for (let i = 0; i < deferred.length; i += perMessage) {
      await channel.send(MessageType.DEFERRED, deferred.slice(i, i + perMessage).flatMap((r) => [r.firstPage, r.pages]), undefined, signal);
    }
    const mine = this.#tracker.sentHash;
    if (this.#tracker.tracking === 'marked') await hashImagePages(l, mine, (p) => state[p] !== PageState.DEFERRED, undefined, signal);
    let repairedPages = 0;
    for (let pass = 1; ; pass++) {
      await channel.send(MessageType.VERIFY, [], undefined, signal);
      const theirs = new Uint32Array(2 * l.pageCount);
      const got = new Uint8Array(l.pageCount);
      await receiveHashes(channel, theirs, got, signal);
      const differing: number[] = [];
      let verifiedPages = 0;
      for (let p = 0; p < l.pageCount; p++) {
        if (state[p] === PageState.DEFERRED) continue;
        if (got[p] === 1 && theirs[2 * p] === mine[2 * p] && theirs[2 * p + 1] === mine[2 * p + 1]) verifiedPages++;
        else differing.push(p);
      }
      if (differing.length === 0) return { verifiedPages, repairedPages };
      if (pass === MAX_VERIFY_PASSES) throw new MigrationError(MigrationPhase.VERIFY, `${differing.length} page(s) still differ after ${pass} verifications (first: page ${differing[0]})`);
      repairedPages += differing.length;
      this.#tracker.redo(differing);
      await this.#round(channel, rounds, 'repair', signal);
    }
  }

  #result(rounds: RoundReport[], present: number, timing: Pick<MigrationResult, 'pauseMs' | 'stopAndCopyMs' | 'verifyMs' | 'verifiedPages' | 'repairedPages'>): MigrationResult {
    const size = this.layout.pageSize;
    const deferredBytes = this.#tracker.countDeferred() * size;
    const bytesMoved = rounds.reduce((n, r) => n + r.bytes, 0);
    const needed = this.layout.byteLength - deferredBytes;
    return {
      rounds,
      imageBytes: this.layout.byteLength,
      deferredBytes,
      presentBytes: present * size,
      bytesMoved,
      moveRatio: needed === 0 ? 0 : bytesMoved / needed,
      ...timing,
      verified: true,
      released: deferredBytes === 0 ? Promise.resolve(true) : this.#awaitRelease(),
    };
  }

  /** Wait for the target's RELEASE (the connection's end means false). */
  async #awaitRelease(): Promise<boolean> {
    try {
      await this.channel!.next([MessageType.RELEASE]);
      return true;
    } catch {
      return false;
    }
  }

  /** Start the writer again if it was paused. */
  protected override async afterFailure(): Promise<void> {
    if (!this.#paused) return;
    try {
      await this.#options.resume?.();
    } catch {
      // the migration's error is the one to report
    }
  }
}
