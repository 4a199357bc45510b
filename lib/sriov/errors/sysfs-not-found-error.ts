import { RdmaError } from '../../errors/rdma-error.js';

/**
 * The sysfs root given to discovery does not exist or is not a sysfs tree
 * (it has neither `bus/pci/devices` nor `class/infiniband`). `code` is
 * `"ERR_NO_SYSFS"`.
 */
export class SysfsNotFoundError extends RdmaError {
  /** The directory that was tried. */
  readonly sysfsRoot: string;

  constructor(sysfsRoot: string, message: string) {
    super('ERR_NO_SYSFS', message);
    this.name = 'SysfsNotFoundError';
    this.sysfsRoot = sysfsRoot;
  }
}
