/**
 * What libibverbs does not say about a device, read from its sysfs folder
 * (`/sys/class/infiniband/<name>`): link layer, driver, network devices,
 * and GID types when the kernel's GID query gives none. Never throws.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { GidType } from '../../constants/port.js';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** `"InfiniBand"`, `"Ethernet"` or undefined, from `ports/<port>/link_layer`. */
export function sysfsLinkLayer(ibdevPath: string, port = 1): string | undefined {
  return readText(join(ibdevPath, 'ports', String(port), 'link_layer'));
}

/**
 * The kernel driver: the `device/driver` link's name (e.g. `mlx5_core`), or
 * `rxe` / `siw` for the software devices, which have no PCI driver.
 */
export function sysfsDriver(ibdevPath: string, name: string): string | undefined {
  if (name.startsWith('siw')) return 'siw';
  if (name.startsWith('rxe') || readText(join(ibdevPath, 'parent')) !== undefined) return 'rxe';
  try {
    return basename(readlinkSync(join(ibdevPath, 'device', 'driver')));
  } catch {
    return undefined;
  }
}

/** Network devices under the device: rxe's `parent`, `device/net/*`, and the netdevs of the first GID entries. */
export function sysfsNetdevs(ibdevPath: string): string[] {
  const out = new Set<string>();
  const parent = readText(join(ibdevPath, 'parent'));
  if (parent) out.add(parent);
  for (const n of listDir(join(ibdevPath, 'device', 'net'))) out.add(n);
  for (const port of listDir(join(ibdevPath, 'ports'))) {
    for (let i = 0; i < 8; i++) {
      const nd = readText(join(ibdevPath, 'ports', port, 'gid_attrs', 'ndevs', String(i)));
      if (nd) out.add(nd);
    }
  }
  return [...out];
}

/** The type and netdev of GID `index` from `gid_attrs` (for kernels whose GID query has no types). */
export function sysfsGidAttrs(ibdevPath: string, port: number, index: number, linkLayer: string | undefined): { type: number; netdev?: string } {
  const base = join(ibdevPath, 'ports', String(port), 'gid_attrs');
  const typeText = readText(join(base, 'types', String(index)));
  const netdev = readText(join(base, 'ndevs', String(index)));
  let type: number;
  if (typeText !== undefined && /v2/i.test(typeText)) type = GidType.ROCE_V2;
  else if (linkLayer === 'Ethernet') type = GidType.ROCE_V1;
  else type = GidType.IB;
  return netdev ? { type, netdev } : { type };
}
