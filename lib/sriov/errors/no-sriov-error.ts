import { RdmaError } from '../../errors/rdma-error.js';

/**
 * The PCI function exists but cannot have virtual functions: it has no
 * `sriov_totalvfs` (no SR-IOV capability, or it is itself a VF).
 * `code` is `"ERR_NO_SRIOV"`.
 */
export class NoSriovError extends RdmaError {
  /** The PCI address of the function. */
  readonly pciAddress: string;
  /** What to do instead. */
  readonly hint: string;

  constructor(pciAddress: string, reason: string, hint: string) {
    super('ERR_NO_SRIOV', `${pciAddress} ${reason}; ${hint}`);
    this.name = 'NoSriovError';
    this.pciAddress = pciAddress;
    this.hint = hint;
  }
}
