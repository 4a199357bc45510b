import { RdmaError } from './rdma-error.js';
import { wcStatusName } from '../constants/wc-status.js';
import { wcOpcodeName } from '../constants/wc-opcode.js';

/**
 * A work request completed with an error status. `code` is
 * `"ERR_WC_<STATUS>"`, e.g. `"ERR_WC_REM_ACCESS_ERR"`.
 */
export class WorkCompletionError extends RdmaError {
  /** The numeric `WcStatus`. */
  readonly status: number;
  /** The status name, e.g. `"RNR_RETRY_EXC_ERR"`. */
  readonly statusName: string;
  /** The work request id of the failed request. */
  readonly wrId: number;
  /** The completion opcode (meaningful only for some statuses). */
  readonly opcode: number;
  /** The provider's vendor error, 0 when none. */
  readonly vendorErr: number;

  constructor(status: number, wrId: number, opcode: number, vendorErr = 0) {
    const statusName = wcStatusName(status);
    super(`ERR_WC_${statusName}`, `work request ${wrId} (${wcOpcodeName(opcode)}) completed with ${statusName}`);
    this.name = 'WorkCompletionError';
    this.status = status;
    this.statusName = statusName;
    this.wrId = wrId;
    this.opcode = opcode;
    this.vendorErr = vendorErr;
  }
}
