import { RdmaError } from '../../errors/rdma-error.js';

/** The `code` values of {@link SoftRoceError}. */
export const SoftRoceErrorCode = {
  /** This kernel has no rdma_rxe (not built in, not installed). */
  NO_RXE: 'ERR_NO_RXE',
  /** The kernel refused with EPERM: creating or removing links needs CAP_NET_ADMIN. */
  NEEDS_CAP_NET_ADMIN: 'ERR_NEEDS_CAP_NET_ADMIN',
  /** The `rdma` tool (iproute2) is not on PATH. */
  NO_RDMA_TOOL: 'ERR_NO_RDMA_TOOL',
  /** The named network interface does not exist, or none is up. */
  NO_NETDEV: 'ERR_NO_NETDEV',
  /** A link of that name exists already. */
  LINK_EXISTS: 'ERR_LINK_EXISTS',
  /** No link of that name exists. */
  NO_LINK: 'ERR_NO_LINK',
  /** `rdma` failed for another reason; the message carries its output. */
  RDMA_TOOL_FAILED: 'ERR_RDMA_TOOL',
  /** The VM runner cannot start (its scripts, bash or QEMU are missing). */
  VM_UNAVAILABLE: 'ERR_VM_UNAVAILABLE',
} as const;

/** One of {@link SoftRoceErrorCode}'s values. */
export type SoftRoceErrorCodeValue = (typeof SoftRoceErrorCode)[keyof typeof SoftRoceErrorCode];

/**
 * A Soft-RoCE link or VM operation failed. `code` says why (see
 * {@link SoftRoceErrorCode}); `hint` says what to do about it.
 */
export class SoftRoceError extends RdmaError {
  /** What to do about it, one line. */
  readonly hint: string;

  constructor(code: SoftRoceErrorCodeValue, message: string, hint: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'SoftRoceError';
    this.hint = hint;
  }
}
