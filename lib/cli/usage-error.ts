import { RdmaError } from '../errors/rdma-error.js';

/** The command line was wrong. `code` is `"ERR_USAGE"`; the CLI exits with 2. */
export class UsageError extends RdmaError {
  constructor(message: string) {
    super('ERR_USAGE', message);
    this.name = 'UsageError';
  }
}
