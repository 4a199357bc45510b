/**
 * What libibverbs does not say about a device, read from its sysfs folder
 * (`/sys/class/infiniband/<name>`) with the readers SR-IOV discovery uses:
 * link layer, driver, network devices, and GID types when the kernel's GID
 * query gives none. Never throws.
 */
import { join } from 'node:path';
import { GidType } from '../../constants/port.js';
import { linkBasename, listDir, readAttr } from '../../sriov/sysfs-read.js';
import { softwareDriverOf } from '../../sriov/software-device.js';
import { gidTypeName } from '../../sriov/gid.js';

/** `"InfiniBand"`, `"Ethernet"` or undefined, from `ports/<port>/link_layer`. */
export function sysfsLinkLayer(ibdevPath: string, port = 1): string | undefined {
  return readAttr(join(ibdevPath, 'ports', String(port), 'link_layer'));
}

/**
 * The kernel driver: `rxe` / `siw` for the software devices, which have no
 * PCI driver, else the `device/driver` link's name (e.g. `mlx5_core`).
 */
export function sysfsDriver(ibdevPath: string, name: string): string | undefined {
  return softwareDriverOf(ibdevPath, name) ?? linkBasename(join(ibdevPath, 'device', 'driver'));
}

/** Network devices under the device: rxe's `parent`, `device/net/*`, and the netdevs of the first GID entries. */
export function sysfsNetdevs(ibdevPath: string): string[] {
  const out = new Set<string>();
  const parent = readAttr(join(ibdevPath, 'parent'));
  if (parent) out.add(parent);
  for (const n of listDir(join(ibdevPath, 'device', 'net'))) out.add(n);
  for (const port of listDir(join(ibdevPath, 'ports'))) {
    for (let i = 0; i < 8; i++) {
      const nd = readAttr(join(ibdevPath, 'ports', port, 'gid_attrs', 'ndevs', String(i)));
      if (nd) out.add(nd);
    }
  }
  return [...out];
}

const GID_TYPES = { IB: GidType.IB, RoCEv1: GidType.ROCE_V1, RoCEv2: GidType.ROCE_V2 } as const;

/**
 * The `GidType` and netdev of GID `index` from `gid_attrs` (for kernels
 * whose GID query has no types), classified by `gidTypeName`; when sysfs
 * does not say, the port's link layer decides (RoCE v1 on Ethernet, else IB).
 */
export function sysfsGidAttrs(ibdevPath: string, port: number, index: number, linkLayer: string | undefined): { type: number; netdev?: string } {
  const base = join(ibdevPath, 'ports', String(port), 'gid_attrs');
  const typeText = readAttr(join(base, 'types', String(index)));
  const netdev = readAttr(join(base, 'ndevs', String(index)));
  const name = (typeText === undefined ? undefined : gidTypeName(typeText, linkLayer)) ?? (linkLayer === 'Ethernet' ? 'RoCEv1' : 'IB');
  const type = GID_TYPES[name];
  return netdev ? { type, netdev } : { type };
}
