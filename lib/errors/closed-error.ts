import { RdmaError } from './rdma-error.js';

/** An object was used after `close()` (its own or a parent's). `code` is `"ERR_CLOSED"`. */
export class ClosedError extends RdmaError {
  /** What was closed, e.g. `"QueuePair 0x000102"`. */
  readonly resource: string;

  constructor(resource: string) {
    super('ERR_CLOSED', `${resource} is closed`);
    this.name = 'ClosedError';
    this.resource = resource;
  }
}
