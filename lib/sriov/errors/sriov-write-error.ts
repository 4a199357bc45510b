import { RdmaError } from '../../errors/rdma-error.js';

/**
 * The kernel refused a `sriov_numvfs` write for a reason other than
 * permission (for example EBUSY while VFs are assigned to a VM, ENOENT when
 * no driver is bound to the PF, ENOMEM/EIO from the driver). `code` is the
 * symbolic errno (`"EBUSY"`, `"ENOENT"`, ...), or `"ERR_SYSFS_WRITE"` when
 * there was none.
 */
export class SriovWriteError extends RdmaError {
  /** The file that was written. */
  readonly path: string;
  /** The value that was being written. */
  readonly value: number;
  /** The positive errno, when the failure carried one. */
  readonly errno?: number;
  /** What probably caused it and what to do. */
  readonly hint: string;

  constructor(path: string, value: number, code: string, hint: string, errno?: number, options?: { cause?: unknown }) {
    super(code, `writing ${value} to ${path} failed (${code}); ${hint}`, options);
    this.name = 'SriovWriteError';
    this.path = path;
    this.value = value;
    this.hint = hint;
    if (errno !== undefined) this.errno = errno;
  }
}
