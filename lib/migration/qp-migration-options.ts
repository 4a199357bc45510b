import { Connection } from '../connection/connection.js';
import { QueuePair } from '../queue-pair.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { checkOptions, optionShape } from '../validate/options.js';
import { describe } from '../validate/numbers.js';
import { AbortedError } from '../errors/aborted-error.js';

/** How a `QpMigrationSource` moves a queue pair. Only `qp` is required. */
export interface QpMigrationSourceOptions {
  /** The RC queue pair to move: connected (RTS), on a `loop0` hub context that holds this QP only (the whole context moves with it). */
  readonly qp: QueuePair;
  /** Stop the code that posts to the QP and polls its CQs here; the freeze starts when it resolves. */
  readonly pause?: () => void | Promise<void>;
  /** Start it again: called only when the move failed after `pause`, with the QP running here as before. */
  readonly resume?: () => void | Promise<void>;
  /** Give up: `migrate()` rejects with `MigrationError` (cause `AbortedError`) unless the hub already gave the QP to the target. */
  readonly signal?: AbortSignal;
}

/** How a `QpMigrationTarget` receives a queue pair. */
export interface QpMigrationTargetOptions {
  /** Give up while the QP's image arrives and is rebuilt: `receive()` rejects with `MigrationError` (cause `AbortedError`). Once rebuilt and answered, the move is the source's and the hub's to finish and the signal is not heeded. */
  readonly signal?: AbortSignal;
}

const SOURCE_SHAPE = optionShape<QpMigrationSourceOptions>({ qp: QueuePair, pause: Function, resume: Function, signal: AbortSignal });
const TARGET_SHAPE = optionShape<QpMigrationTargetOptions>({ signal: AbortSignal });

/**
 * Check the connection and the options of either side of a queue-pair move.
 * @throws InvalidArgumentError naming the bad argument.
 */
export function checkQpMoveSide(fn: string, connection: unknown, options: unknown, side: 'source' | 'target'): void {
  if (!(connection instanceof Connection)) throw new InvalidArgumentError('connection', `${fn} expects a Connection (from listen() or connect()), got ${describe(connection)}`);
  checkOptions(fn, 'options', options, side === 'source' ? SOURCE_SHAPE : TARGET_SHAPE);
  if (side === 'source' && (options as QpMigrationSourceOptions).qp === undefined) throw new InvalidArgumentError('options.qp', `${fn} needs the queue pair to move`);
}

/**
 * An abort signal that fires, with `AbortedError` naming `call`, when the
 * caller's `signal` does; `release()` stops following it.
 */
export function followSignal(call: string, signal: AbortSignal | undefined): { readonly signal: AbortSignal; release(): void } {
  const abort = new AbortController();
  const onAbort = (): void => abort.abort(new AbortedError(call, signal?.reason));
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  return { signal: abort.signal, release: () => signal?.removeEventListener('abort', onAbort) };
}
