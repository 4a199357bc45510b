import { join } from 'node:path';
import { listDir, resolvePath } from '../../sriov/sysfs-read.js';
import { readSoftwareDevice, softwareDriverOf } from '../../sriov/software-device.js';
import { PortState } from '../../constants/port.js';

/** A software RDMA link (rxe or siw) on this kernel. */
export interface SoftRoceLink {
  /** The RDMA device, e.g. `"rxe0"`. */
  readonly name: string;
  /** `"rxe"` or `"siw"`. */
  readonly driver: string;
  /** The network interface it runs over, when known. */
  readonly netdev?: string;
  /** Whether a port is ACTIVE. */
  readonly active: boolean;
}

/** The rxe and siw devices under `<sysfs>/class/infiniband`, with their netdevs. Never throws. */
export function softRoceLinks(sysfsRoot: string): SoftRoceLink[] {
  const base = join(sysfsRoot, 'class', 'infiniband');
  const out: SoftRoceLink[] = [];
  for (const name of listDir(base)) {
    const dir = resolvePath(join(base, name));
    if (dir === undefined || softwareDriverOf(dir, name) === undefined) continue;
    const d = readSoftwareDevice(dir, name);
    out.push({ name, driver: d.driver, ...(d.netdev !== undefined ? { netdev: d.netdev } : {}), active: d.ports.some((p) => p.state === PortState.ACTIVE) });
  }
  return out;
}
