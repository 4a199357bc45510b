import { RdmaError } from './rdma-error.js';

/**
 * An operation did not finish in the time it was given (an address or route
 * resolution, a connect that got no answer). `code` is `"ERR_TIMEOUT"`;
 * `operation` names it (`"rdma_resolve_addr"`), `timeoutMs` is the limit.
 */
export class TimeoutError extends RdmaError {
  /** What timed out, e.g. `"rdma_resolve_route"`. */
  readonly operation: string;
  /** The limit it had, in milliseconds (0 when the CM chose it). */
  readonly timeoutMs: number;

  constructor(operation: string, timeoutMs: number, message?: string) {
    super('ERR_TIMEOUT', message ?? `${operation} timed out${timeoutMs > 0 ? ` after ${timeoutMs} ms` : ''}`);
    this.name = 'TimeoutError';
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}
