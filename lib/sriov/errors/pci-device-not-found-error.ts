import { RdmaError } from '../../errors/rdma-error.js';

/**
 * No PCI function with the given address exists under
 * `<sysfs>/bus/pci/devices`. `code` is `"ERR_NO_DEVICE"`.
 */
export class PciDeviceNotFoundError extends RdmaError {
  /** The PCI address that was looked up, e.g. `"0000:3b:00.0"`. */
  readonly pciAddress: string;

  constructor(pciAddress: string, message?: string) {
    super('ERR_NO_DEVICE', message ?? `no PCI device ${pciAddress}`);
    this.name = 'PciDeviceNotFoundError';
    this.pciAddress = pciAddress;
  }
}
