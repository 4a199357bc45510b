import { setMaxListeners } from 'node:events';
import type { Connection } from '../connection/connection.js';
import { AbortedError } from '../errors/aborted-error.js';
import { ClosedError } from '../errors/closed-error.js';
import { MigrationError, MigrationPhase, migrationReason } from '../errors/migration-error.js';
import { ControlChannel } from './control-channel.js';
import { MessageType } from './control-message.js';
import { ImageLayout } from './image-layout.js';
import { checkExposed, checkSide } from './migration-options.js';

/**
 * What both ends of a migration share: the checked connection and image,
 * one run at a time, the phase, giving up (the signal, `close()`, the
 * peer's ABORT or its departure) and turning any failure into a
 * `MigrationError` the peer is told about.
 */
export abstract class MigrationSide<T> {
  protected readonly conn: Connection;
  protected readonly layout: ImageLayout;
  /** This side's index of each image region among the regions it exposed. */
  protected readonly indexes: number[];
  protected readonly abort = new AbortController();
  protected channel: ControlChannel | null = null;
  protected phaseNow: MigrationPhase = MigrationPhase.SETUP;
  readonly #name: 'MigrationSource' | 'MigrationTarget';
  #running: Promise<T> | null = null;
  #closed = false;

  /**
   * @throws InvalidArgumentError for a bad option or regions that are not in `connection.pd` or not exposed on it.
   * @throws ClosedError when a region is closed.
   */
  protected constructor(name: 'MigrationSource' | 'MigrationTarget', connection: Connection, options: { readonly regions: unknown; readonly pageSize?: number; readonly signal?: AbortSignal }) {
    checkSide(`new ${name}()`, connection, options, name === 'MigrationSource' ? 'source' : 'target');
    this.#name = name;
    this.conn = connection;
    this.layout = ImageLayout.check('options.regions', options.regions, options.pageSize);
    this.indexes = checkExposed(connection, this.layout);
    setMaxListeners(0, this.abort.signal);
    const signal = options.signal;
    const call = name === 'MigrationSource' ? 'migrate()' : 'receive()';
    if (signal?.aborted) this.abort.abort(new AbortedError(call, signal.reason));
    signal?.addEventListener('abort', () => this.abort.abort(new AbortedError(call, signal.reason)), { once: true });
  }

  /** The step the migration is in, as far as this side knows (`'setup'` before it starts). */
  get phase(): MigrationPhase { return this.phaseNow; }

  /** True after `close()`. */
  get closed(): boolean { return this.#closed; }

  /** Give up a migration in progress (it rejects; the peer is told) and stop reading the connection. Idempotent; the connection stays open. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.abort.abort(new ClosedError(this.#name));
    this.channel?.stop();
  }

  /** Run once; later calls get the same promise. */
  protected start(): Promise<T> {
    if (this.#running) return this.#running;
    if (this.#closed) return Promise.reject(new MigrationError(this.phaseNow, `the ${this.#name} is closed`, { cause: new ClosedError(this.#name) }));
    const channel = new ControlChannel(this.conn, (err) => this.abort.abort(err));
    this.channel = channel;
    this.#running = this.run(channel, this.abort.signal).catch(async (err: unknown) => { throw await this.#fail(err, channel); });
    return this.#running;
  }

  /** The side's own work. */
  protected abstract run(channel: ControlChannel, signal: AbortSignal): Promise<T>;

  /** Called once when the run failed, before it rejects (never throws). */
  protected async afterFailure(): Promise<void> {}

  async #fail(err: unknown, channel: ControlChannel): Promise<MigrationError> {
    const signal = this.abort.signal;
    const cause = signal.aborted && err instanceof AbortedError ? signal.reason ?? err : err;
    const error = cause instanceof MigrationError ? cause : new MigrationError(this.phaseNow, migrationReason(cause), { cause });
    if (!signal.aborted) this.abort.abort(error);
    void channel.send(MessageType.ABORT, [], new TextEncoder().encode(migrationReason(cause))).catch(() => undefined);
    channel.stop();
    await this.afterFailure();
    return error;
  }
}
