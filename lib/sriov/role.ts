import { join } from 'node:path';
import type { SriovRole } from '../types/device.js';
import { defaultSysfsRoot } from './sysfs-root.js';
import { resolvePath } from './sysfs-read.js';
import { isRdmaDeviceName } from './rdma-device.js';
import { pciParentOf, softwareDriverOf } from './software-device.js';
import { sriovRoleOfPciFunction } from './pci-role.js';

/**
 * The SR-IOV role of the PCI function behind an RDMA device, read from sysfs.
 * Returns undefined for devices with no PCI parent or when sysfs is unreadable.
 * Never throws.
 * @param ibdev - the RDMA device name, e.g. `"mlx5_2"`.
 * @param sysfsRoot - default `VRDMA_SYSFS` or `/sys`.
 * @returns `{ role: 'vf', pf, vfIndex }` for a VF, `{ role: 'pf', totalVfs,
 *   numVfs, vfs }` for a PF, `{ role: 'none', pciAddress }` for a PCI device
 *   without SR-IOV, undefined for software devices (rxe, siw) and unknown names.
 */
export function sriovRoleOfRdmaDevice(ibdev: string, sysfsRoot?: string): SriovRole | undefined {
  try {
    if (typeof ibdev !== 'string' || !isRdmaDeviceName(ibdev)) return undefined;
    const root = sysfsRoot ?? defaultSysfsRoot();
    const dir = resolvePath(join(root, 'class', 'infiniband', ibdev));
    if (dir === undefined || softwareDriverOf(dir, ibdev) !== undefined) return undefined;
    const parent = pciParentOf(dir);
    if (parent === undefined) return undefined;
    return sriovRoleOfPciFunction(parent.pciAddress, parent.dir);
  } catch {
    return undefined;
  }
}
