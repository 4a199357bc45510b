import { join } from 'node:path';
import { listDir, resolvePath } from '../../sriov/sysfs-read.js';
import { readRdmaDevice } from '../../sriov/rdma-device.js';
import { softwareDriverOf, pciParentOf } from '../../sriov/software-device.js';
import type { SysfsRdmaDevice } from '../../sriov/types.js';
import { PortState } from '../../constants/port.js';

/** A kernel RDMA device as the doctor sees it. */
export interface KernelRdmaDevice extends SysfsRdmaDevice {
  /** `"rxe"` or `"siw"` for software devices. */
  readonly software?: string;
  /** The numbers of its ACTIVE ports. */
  readonly activePorts: readonly number[];
}

/** Every device in `<sysfs>/class/infiniband`, with its active ports. Never throws. */
export function kernelRdmaDevices(sysfsRoot: string): KernelRdmaDevice[] {
  const base = join(sysfsRoot, 'class', 'infiniband');
  const out: KernelRdmaDevice[] = [];
  for (const name of listDir(base)) {
    const dir = resolvePath(join(base, name));
    if (dir === undefined) continue;
    const dev = readRdmaDevice(dir, name);
    const software = softwareDriverOf(dir, name) ?? (pciParentOf(dir) === undefined ? 'software' : undefined);
    out.push({
      ...dev,
      ...(software !== undefined ? { software } : {}),
      activePorts: dev.ports.filter((p) => p.state === PortState.ACTIVE).map((p) => p.port),
    });
  }
  return out;
}
