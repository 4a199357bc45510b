import type { Connection } from '../connection/connection.js';
import { MigrationError, MigrationPhase, migrationReason } from '../errors/migration-error.js';
import type { LoopQp } from '../providers/loopback/qp.js';
import { MessageType, encodeMessage } from './control-message.js';
import { checkQpMoveSide, followSignal, type QpMigrationSourceOptions } from './qp-migration-options.js';
import { freezeQueuePair, movableQp, type FrozenQueuePair } from './qp-freeze.js';
import { nextMessage, sendAbort, sendImage } from './qp-move-wire.js';

/** What a queue-pair move did, as the source saw it. */
export interface QpMigrationResult {
  readonly qpn: number;
  /** From the freeze until the hub gave the QP to the target (ms): the QP answered nobody meanwhile. */
  readonly pauseMs: number;
  /** Bytes of the image sent (state and regions). */
  readonly imageBytes: number;
  /** Bytes of the regions in it. */
  readonly regionBytes: number;
  /** Requests posted and not completed, moved (the target resends them). */
  readonly sends: number;
  /** Posted receives moved. */
  readonly recvs: number;
  /** Completions not yet polled, moved into the target's CQs. */
  readonly completions: number;
}

/**
 * The side a live RC queue pair on `loop0` leaves. `migrate()` freezes the
 * QP (its peer's requests are answered MIGRATING and resent later, not
 * failed), sends its state and the bytes of its context's regions to a
 * `QpMigrationTarget` over `connection`, waits for the target to rebuild it,
 * and has the hub give the QP's LID to the target's process. From then on
 * the QP, its context and its regions are the target's: the source's
 * context is closed (its objects throw `ClosedError`), and the peer reaches
 * the same QPN, GID, LID and rkeys in the target's process.
 *
 * Until the hub has moved the LID nothing is final: when the target fails
 * or dies, or the signal fires, the QP thaws here and runs on as before.
 */
export class QpMigrationSource {
  readonly #conn: Connection;
  readonly #options: QpMigrationSourceOptions;
  readonly #qp: LoopQp;
  #running: Promise<QpMigrationResult> | null = null;
  #phase: MigrationPhase = MigrationPhase.SETUP;

  /**
   * @param connection - a connected `Connection` whose peer runs a `QpMigrationTarget` (in another process on this host, on the same hub).
   * @throws InvalidArgumentError for a bad option; a QP that is not RC, uses an SRQ, shares its context with other QPs, or whose peer lives in this thread.
   * @throws UnsupportedError on a native provider (the NIC and the kernel own the QP's state and the peer's path to it) or a private `loop0` context (`hub: false`).
   * @throws RdmaError `ERR_BAD_STATE` when the QP is not connected (RTS) or already moving.
   * @throws ClosedError when the QP is closed.
   */
  constructor(connection: Connection, options: QpMigrationSourceOptions) {
    checkQpMoveSide('new QpMigrationSource()', connection, options, 'source');
    this.#conn = connection;
    this.#options = options;
    this.#qp = movableQp(options.qp);
  }

  /** The step the move is in: `'setup'`, `'stop-and-copy'` (the state is on its way), `'switchover'` (the hub moves the LID). */
  get phase(): MigrationPhase { return this.#phase; }

  /**
   * Move the QP (once; later calls return the same promise).
   * @throws MigrationError `ERR_MIGRATION_ABORTED` with the `phase` and the
   *   `cause`: the target went away (`WorkCompletionError`, `ERR_PEER_GONE`),
   *   gave up (`ERR_MIGRATION_PEER_ABORTED`, e.g. it cannot reach the peer),
   *   the hub refused, or the signal fired (`AbortedError`). The QP then runs
   *   here as before, and `resume` was called if `pause` had been.
   */
  migrate(): Promise<QpMigrationResult> {
    this.#running ??= this.#run();
    return this.#running;
  }

  async #run(): Promise<QpMigrationResult> {
    const o = this.#options;
    const abort = followSignal('migrate()', o.signal);
    let paused = false;
    let frozen: FrozenQueuePair | null = null;
    try {
      abort.signal.throwIfAborted();
      await o.pause?.();
      paused = true;
      abort.signal.throwIfAborted();
      const started = performance.now();
      this.#phase = MigrationPhase.STOP_AND_COPY;
      frozen = freezeQueuePair(o.qp, this.#qp);
      // The target's answer comes after the image arrived; waiting for the image's ACK first would only add its trip back.
      const sent = sendImage(this.#conn, frozen.image, abort.signal);
      sent.catch(() => undefined);
      const prepared = await nextMessage(this.#conn, [MessageType.QP_PREPARED], abort.signal);
      await sent;
      abort.signal.throwIfAborted();
      this.#phase = MigrationPhase.SWITCHOVER;
      await frozen.handOver(new TextDecoder().decode(prepared.tail));
      const pauseMs = performance.now() - started;
      // The commit point is behind us: the QP is the target's, whatever happens to this message.
      this.#conn.send(encodeMessage(MessageType.QP_COMMIT)).catch(() => undefined);
      frozen.finish();
      const c = frozen.counts;
      return { qpn: this.#qp.qpn, pauseMs, imageBytes: frozen.image.length, regionBytes: c.regionBytes, sends: c.sends, recvs: c.recvs, completions: c.completions };
    } catch (err) {
      const cause = abort.signal.aborted ? abort.signal.reason : err;
      frozen?.thaw();
      sendAbort(this.#conn, migrationReason(cause));
      if (paused) await o.resume?.();
      throw new MigrationError(this.#phase, migrationReason(cause), { cause });
    } finally {
      abort.release();
    }
  }
}
