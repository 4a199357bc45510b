import { join } from 'node:path';
import type { PciFunctionInfo, SysfsRdmaDevice } from './types.js';
import { linkBasename, listDir, readAttr, readIntAttr, type WarningSink } from './sysfs-read.js';
import { rdmaDeviceDir, readRdmaDevice, isRdmaDeviceName } from './rdma-device.js';
import { softwareDriverOf } from './software-device.js';

/** The driver name that means "handed to a VM" (or to a user-space driver such as DPDK). */
export const VFIO_DRIVER = 'vfio-pci';

/**
 * Read what every PCI function reports: ids, driver, NUMA node, IOMMU
 * group, RDMA devices (`infiniband/*`, each read from
 * `<sysfs>/class/infiniband/<name>`) and netdevs (`net/*`). Never throws.
 * @param sysfsRoot - the sysfs root.
 * @param pciAddress - the function's address.
 * @param dir - the function's resolved directory under `devices/`.
 */
export function readPciFunction(sysfsRoot: string, pciAddress: string, dir: string, warn?: WarningSink): PciFunctionInfo {
  const vendorId = readAttr(join(dir, 'vendor'), warn);
  const deviceId = readAttr(join(dir, 'device'), warn);
  const classId = readAttr(join(dir, 'class'));
  const driver = linkBasename(join(dir, 'driver'));
  const numa = readIntAttr(join(dir, 'numa_node'));
  const iommuGroup = linkBasename(join(dir, 'iommu_group'));
  const rdmaDevices: SysfsRdmaDevice[] = [];
  for (const name of listDir(join(dir, 'infiniband'))) {
    if (!isRdmaDeviceName(name)) continue;
    const ibdir = rdmaDeviceDir(sysfsRoot, name, join(dir, 'infiniband', name));
    if (ibdir === undefined) {
      warn?.(`${pciAddress}: infiniband/${name} is not a directory`);
      continue;
    }
    // siw over a PCI NIC sits under the NIC: it is listed with the software devices instead.
    if (softwareDriverOf(ibdir, name) !== undefined) continue;
    rdmaDevices.push(readRdmaDevice(ibdir, name, warn));
  }
  const netdevs = listDir(join(dir, 'net'));
  return {
    pciAddress,
    ...(vendorId !== undefined ? { vendorId } : {}),
    ...(deviceId !== undefined ? { deviceId } : {}),
    ...(classId !== undefined ? { classId } : {}),
    ...(driver !== undefined ? { driver } : {}),
    assignedToVm: driver === VFIO_DRIVER,
    ...(numa !== undefined && numa >= 0 ? { numaNode: numa } : {}),
    ...(iommuGroup !== undefined ? { iommuGroup } : {}),
    rdmaDevices,
    netdevs,
  };
}
