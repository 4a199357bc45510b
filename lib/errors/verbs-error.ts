import { RdmaError } from './rdma-error.js';

/**
 * A verb failed. `verb` names it (`"ibv_reg_mr"`), `errno` is the positive
 * errno it returned and `code` its symbolic name (`"ENOMEM"`).
 */
export class VerbsError extends RdmaError {
  /** The verb that failed, e.g. `"ibv_post_send"`. */
  readonly verb: string;
  /** The positive errno value. */
  readonly errno: number;

  constructor(verb: string, errno: number, code: string, message: string) {
    super(code, `${verb} failed: ${message} (${code}, errno ${errno})`);
    this.name = 'VerbsError';
    this.verb = verb;
    this.errno = errno;
  }
}
