import { RdmaError } from '../../errors/rdma-error.js';

/**
 * More virtual functions were asked for than the physical function supports
 * (`sriov_totalvfs`). `code` is `"ERR_VF_LIMIT"`.
 */
export class VfLimitError extends RdmaError {
  /** The PCI address of the physical function. */
  readonly pciAddress: string;
  /** The count that was asked for. */
  readonly requested: number;
  /** The most the function supports (`sriov_totalvfs`). */
  readonly totalVfs: number;

  constructor(pciAddress: string, requested: number, totalVfs: number) {
    super(
      'ERR_VF_LIMIT',
      `${pciAddress} supports at most ${totalVfs} VFs (sriov_totalvfs), ${requested} were asked for; ` +
        'the limit is set by the adapter firmware (for ConnectX: mlxconfig set SRIOV_EN=1 NUM_OF_VFS=N, then reboot)',
    );
    this.name = 'VfLimitError';
    this.pciAddress = pciAddress;
    this.requested = requested;
    this.totalVfs = totalVfs;
  }
}
