import { RdmaError } from './rdma-error.js';

/**
 * An operation was given up because its `AbortSignal` fired. `code` is
 * `"ERR_ABORTED"`; `cause` is the signal's reason.
 */
export class AbortedError extends RdmaError {
  constructor(what: string, reason?: unknown) {
    super('ERR_ABORTED', `${what} was aborted`, { cause: reason });
    this.name = 'AbortedError';
  }
}
