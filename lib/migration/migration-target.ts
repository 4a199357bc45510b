import type { Connection } from '../connection/connection.js';
import { MigrationPhase } from '../errors/migration-error.js';
import type { ControlChannel } from './control-channel.js';
import { MIGRATION_VERSION, MessageType, protocolError, type ControlMessage } from './control-message.js';
import { sendHashes } from './hash-exchange.js';
import { hashImagePages } from './image-hashing.js';
import { MigratedImage } from './migrated-image.js';
import { placePages } from './page-packing.js';
import type { MigrationTargetOptions } from './migration-options.js';
import { MigrationSide } from './migration-side.js';

/**
 * The receiving side of a live memory migration: lends its regions to the
 * `MigrationSource` at the other end of a `Connection`, which writes the
 * image into them, answers the source's verification with its own page
 * hashes, and hands out the image as a `MigratedImage` once verified.
 *
 * The connection carries the migration's control messages: while the
 * target (and then its image) is alive it reads every message that arrives on it.
 */
export class MigrationTarget extends MigrationSide<MigratedImage> {
  readonly #options: MigrationTargetOptions;

  /**
   * @param connection - a connected `Connection` whose peer runs a `MigrationSource`.
   * @throws InvalidArgumentError for a bad option or regions that are not in `connection.pd` or not exposed on it.
   * @throws ClosedError when a region is closed.
   */
  constructor(connection: Connection, options: MigrationTargetOptions) {
    super('MigrationTarget', connection, options);
    this.#options = options;
  }

  /**
   * Take part in the migration (once; later calls return the same promise).
   * @returns the image, verified, once the source hands over.
   * @throws MigrationError `ERR_MIGRATION_ABORTED` with the `phase` and the
   *   `cause`: the source went away or gave up, its layout differs from
   *   these regions (cause `ERR_MIGRATION_PROTOCOL`), the signal fired or
   *   `close()` was called. The regions then hold a partial image.
   */
  receive(): Promise<MigratedImage> {
    return this.start();
  }

  /** @internal */
  protected async run(channel: ControlChannel, signal: AbortSignal): Promise<MigratedImage> {
    const deferred = new Uint8Array(this.layout.pageCount);
    const sourceIndexes = this.#checkHello(await channel.next([MessageType.HELLO], signal));
    if (this.#options.advertise === true) {
      const mine = new Uint32Array(2 * this.layout.pageCount);
      await hashImagePages(this.layout, mine, () => true, undefined, signal);
      await sendHashes(channel, mine, this.layout.pageCount, () => true, signal);
    }
    await channel.send(MessageType.READY, this.indexes, undefined, signal);
    this.phaseNow = MigrationPhase.PRECOPY;
    for (;;) {
      const msg = await channel.next([MessageType.PAGES, MessageType.ROUND_END, MessageType.DEFERRED, MessageType.VERIFY, MessageType.DONE], signal);
      if (msg.type === MessageType.PAGES) placePages(this.layout, msg);
      else if (msg.type === MessageType.ROUND_END) this.#options.onRound?.(msg.words[0] ?? 0, msg.words[1] ?? 0);
      else if (msg.type === MessageType.DEFERRED) this.#markDeferred(msg, deferred);
      else if (msg.type === MessageType.VERIFY) await this.#answerVerify(channel, deferred, signal);
      else return new MigratedImage(this.conn, channel, this.layout, sourceIndexes, deferred, msg.tail);
    }
  }

  /** Check that the source's image has the layout of these regions. @returns the source's region indexes. */
  #checkHello(msg: ControlMessage): number[] {
    const l = this.layout;
    const w = Array.from(msg.words);
    const [version, pageSize, count] = w;
    if (version !== MIGRATION_VERSION) throw protocolError(`the source speaks migration version ${version}; this is version ${MIGRATION_VERSION}`);
    if (pageSize !== l.pageSize) throw protocolError(`the source's pages are ${pageSize} bytes; this target's are ${l.pageSize}`);
    const pages = w.slice(3, 3 + (count ?? 0));
    if (count !== l.regions.length || w.length !== 3 + 2 * count || pages.some((n, i) => n !== l.regionPages()[i])) {
      throw protocolError(`the source's image has regions of [${pages.join(', ')}] pages; this target's regions have [${l.regionPages().join(', ')}]`);
    }
    return w.slice(3 + count);
  }

  #markDeferred(msg: ControlMessage, deferred: Uint8Array): void {
    this.phaseNow = MigrationPhase.VERIFY;
    for (let i = 0; i + 1 < msg.words.length; i += 2) {
      const first = msg.words[i]!;
      const end = first + msg.words[i + 1]!;
      if (end > deferred.length) throw protocolError('DEFERRED pages outside the image');
      deferred.fill(1, first, end);
    }
  }

  async #answerVerify(channel: ControlChannel, deferred: Uint8Array, signal: AbortSignal): Promise<void> {
    this.phaseNow = MigrationPhase.VERIFY;
    const hashes = new Uint32Array(2 * this.layout.pageCount);
    const held = (p: number): boolean => deferred[p] === 0;
    await hashImagePages(this.layout, hashes, held, undefined, signal);
    await sendHashes(channel, hashes, this.layout.pageCount, held, signal);
  }
}
