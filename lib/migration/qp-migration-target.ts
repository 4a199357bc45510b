import type { Connection } from '../connection/connection.js';
import { MigrationError, MigrationPhase, migrationReason } from '../errors/migration-error.js';
import { MessageType, encodeMessage } from './control-message.js';
import { adoptQueuePair, type AdoptedQueuePair, type MigratedQueuePair } from './qp-adopt.js';
import { decodeQpImage } from './qp-image.js';
import { checkQpMoveSide, followSignal, type QpMigrationTargetOptions } from './qp-migration-options.js';
import { nextMessage, receiveImage, sendAbort } from './qp-move-wire.js';

/**
 * The side a live RC queue pair on `loop0` moves to. `receive()` takes the
 * QP's state and regions from a `QpMigrationSource`, rebuilds the QP in a
 * new context of this process (hidden from peers), and once the hub has
 * given it the QP's LID, announces it: the peer's retransmissions arrive
 * here, the outstanding requests are sent again from here, and the QP is
 * this process's (same QPN, GID, LID, rkeys, PSNs).
 *
 * This thread must have a `loop0` context open on the same hub (the one the
 * connection uses, typically) for the hub to know where this process is.
 */
export class QpMigrationTarget {
  readonly #conn: Connection;
  readonly #options: QpMigrationTargetOptions;
  #running: Promise<MigratedQueuePair> | null = null;
  #phase: MigrationPhase = MigrationPhase.SETUP;

  /**
   * @param connection - a connected `Connection` whose peer runs a `QpMigrationSource`.
   * @throws InvalidArgumentError for a bad option.
   */
  constructor(connection: Connection, options: QpMigrationTargetOptions = {}) {
    checkQpMoveSide('new QpMigrationTarget()', connection, options, 'target');
    this.#conn = connection;
    this.#options = options;
  }

  /** The step the move is in, as this side knows it. */
  get phase(): MigrationPhase { return this.#phase; }

  /**
   * Receive the QP (once; later calls return the same promise).
   * @returns the QP and the context, PD, CQs and regions it came with.
   * @throws MigrationError `ERR_MIGRATION_ABORTED` with the `phase` and the
   *   `cause`: the source went away before the hub moved the LID
   *   (`WorkCompletionError`, `ERR_PEER_GONE`), gave up
   *   (`ERR_MIGRATION_PEER_ABORTED`), the image could not be rebuilt
   *   (`ERR_MIGRATION_PROTOCOL`, `ERR_HUB_UNAVAILABLE`, `ERR_UNREACHABLE`:
   *   the QP's peer cannot be reached from here), or the signal fired before
   *   this side answered (after that, the source and the hub decide). Nothing
   *   of the QP is left in this process then.
   */
  receive(): Promise<MigratedQueuePair> {
    this.#running ??= this.#run();
    return this.#running;
  }

  async #run(): Promise<MigratedQueuePair> {
    const abort = followSignal('receive()', this.#options.signal);
    try {
      const adopted = await this.#prepare(abort.signal);
      await adopted.commit();
      return adopted.moved;
    } finally {
      abort.release();
    }
  }

  /** Rebuild the QP hidden, say so, and wait until it is ours (the source's COMMIT, or the hub's word). */
  async #prepare(signal: AbortSignal): Promise<AdoptedQueuePair> {
    let adopted: AdoptedQueuePair | null = null;
    try {
      this.#phase = MigrationPhase.STOP_AND_COPY;
      const image = decodeQpImage(await receiveImage(this.#conn, signal));
      adopted = await adoptQueuePair(image);
      signal.throwIfAborted();
      this.#phase = MigrationPhase.SWITCHOVER;
      // From here the source and the hub decide (a signal would race the hand-over): the connection's end is what stops the wait.
      const unstoppable = new AbortController().signal;
      await this.#conn.send(encodeMessage(MessageType.QP_PREPARED, [], new TextEncoder().encode(adopted.peerAddress)), { signal: unstoppable });
      await nextMessage(this.#conn, [MessageType.QP_COMMIT], unstoppable);
      return adopted;
    } catch (err) {
      // The source may have had the LID moved here and then died (or the signal fired after): the hub decides.
      if (adopted !== null && this.#phase === MigrationPhase.SWITCHOVER && await adopted.ownedHere()) return adopted;
      const cause = signal.aborted ? signal.reason : err;
      adopted?.discard();
      sendAbort(this.#conn, migrationReason(cause));
      throw new MigrationError(this.#phase, migrationReason(cause), { cause });
    }
  }
}
