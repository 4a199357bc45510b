import { basename, dirname, join } from 'node:path';
import type { SoftwareRdmaDevice } from './types.js';
import { exists, readAttr, resolvePath, type WarningSink } from './sysfs-read.js';
import { readRdmaDevice } from './rdma-device.js';
import { isPciAddress } from './pci-address.js';

/**
 * The PCI function an RDMA device sits on: the resolved `<ibdev>/device`
 * link when it names a PCI address. Undefined when the link is missing,
 * dangles, or points at something that is not a PCI function.
 */
export function pciParentOf(ibdevDir: string): { readonly pciAddress: string; readonly dir: string } | undefined {
  const target = resolvePath(join(ibdevDir, 'device'));
  if (target === undefined) return undefined;
  const name = basename(target);
  return isPciAddress(name) ? { pciAddress: name, dir: target } : undefined;
}

/**
 * The software driver of an RDMA device, or undefined for hardware. An rxe
 * device has a `parent` attribute (its netdev); siw and rxe are also known
 * by the usual name prefixes. siw over a PCI NIC has that NIC as its
 * `device`, so the name is what tells it apart.
 */
export function softwareDriverOf(ibdevDir: string, name: string): 'rxe' | 'siw' | undefined {
  if (name.startsWith('siw')) return 'siw';
  if (name.startsWith('rxe') || exists(join(ibdevDir, 'parent'))) return 'rxe';
  return undefined;
}

/** Whether an RDMA device is a software one: no PCI parent, or a known software driver. */
export function isSoftwareRdmaDevice(ibdevDir: string, name: string): boolean {
  return softwareDriverOf(ibdevDir, name) !== undefined || pciParentOf(ibdevDir) === undefined;
}

/**
 * Read a software RDMA device: the device itself plus its driver and the
 * netdev it runs over (`parent`; else the netdev of its first GID; else the
 * netdev its `device` link points at). Never throws.
 */
export function readSoftwareDevice(ibdevDir: string, name: string, warn?: WarningSink): SoftwareRdmaDevice {
  const device = readRdmaDevice(ibdevDir, name, warn);
  const driver = softwareDriverOf(ibdevDir, name) ?? 'unknown';
  let netdev = readAttr(join(ibdevDir, 'parent'));
  if (netdev === undefined || netdev === '') netdev = device.ports.flatMap((p) => p.gids).find((g) => g.netdev)?.netdev;
  if (netdev === undefined) {
    const target = resolvePath(join(ibdevDir, 'device'));
    if (target !== undefined && basename(dirname(target)) === 'net') netdev = basename(target);
  }
  return { ...device, driver, ...(netdev ? { netdev } : {}) };
}
