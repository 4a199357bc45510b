import { RdmaError } from '../../errors/rdma-error.js';

/**
 * Writing `sriov_numvfs` was refused by the operating system (EACCES, EPERM
 * or EROFS). `code` is `"ERR_PERMISSION"`; `hint` says how to get the
 * permission.
 */
export class SriovPermissionError extends RdmaError {
  /** The file whose write was refused. */
  readonly path: string;
  /** The symbolic errno, e.g. `"EACCES"`. */
  readonly errnoCode: string;
  /** How to fix it. */
  readonly hint: string;

  constructor(path: string, errnoCode: string, hint: string, options?: { cause?: unknown }) {
    super('ERR_PERMISSION', `cannot write ${path} (${errnoCode}); ${hint}`, options);
    this.name = 'SriovPermissionError';
    this.path = path;
    this.errnoCode = errnoCode;
    this.hint = hint;
  }
}
