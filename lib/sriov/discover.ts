import { join } from 'node:path';
import type { PciFunctionInfo, PhysicalFunction, SoftwareRdmaDevice, SriovTopology, VirtualFunction } from './types.js';
import { exists, isDirectory, isLink, listDir, resolvePath } from './sysfs-read.js';
import { comparePciAddresses, isPciAddress } from './pci-address.js';
import { readPciFunction } from './pci-function.js';
import { hasSriov, listVirtfns, physfnOf, readSriovCapability } from './sriov-capability.js';
import { isRdmaDeviceName } from './rdma-device.js';
import { isSoftwareRdmaDevice, readSoftwareDevice } from './software-device.js';
import { defaultSysfsRoot, SYSFS_ROOT_OPTIONS, type SysfsRootOptions } from './sysfs-root.js';
import { checkOptions } from '../validate/options.js';
import { SysfsNotFoundError } from './errors/sysfs-not-found-error.js';

/** Options for `discoverSriov()`. */
export type DiscoverOptions = SysfsRootOptions;

interface PciEntry {
  readonly pciAddress: string;
  readonly dir: string;
}

function listPciFunctions(root: string, warn: (m: string) => void): PciEntry[] {
  const base = join(root, 'bus', 'pci', 'devices');
  const out: PciEntry[] = [];
  for (const name of listDir(base)) {
    if (!isPciAddress(name)) {
      warn(`bus/pci/devices/${name} is not named like a PCI address; skipped`);
      continue;
    }
    const dir = resolvePath(join(base, name));
    if (dir === undefined || !isDirectory(dir)) {
      warn(`bus/pci/devices/${name} ${isLink(join(base, name)) ? 'is a dangling link' : 'is not a directory'}; skipped`);
      continue;
    }
    out.push({ pciAddress: name, dir });
  }
  return out.sort((a, b) => comparePciAddresses(a.pciAddress, b.pciAddress));
}

function readSoftwareDevices(root: string, warn: (m: string) => void): SoftwareRdmaDevice[] {
  const base = join(root, 'class', 'infiniband');
  const out: SoftwareRdmaDevice[] = [];
  for (const name of listDir(base)) {
    if (!isRdmaDeviceName(name)) continue;
    const dir = resolvePath(join(base, name));
    if (dir === undefined || !isDirectory(dir)) {
      warn(`class/infiniband/${name} ${isLink(join(base, name)) ? 'is a dangling link' : 'is not a directory'}; skipped`);
      continue;
    }
    if (isSoftwareRdmaDevice(dir, name)) out.push(readSoftwareDevice(dir, name, warn));
  }
  return out;
}

/**
 * Discover SR-IOV topology and RDMA devices from sysfs: every PCI physical
 * function with `sriov_totalvfs` and its virtual functions (from the PF's
 * `virtfnN` links), every other PCI function that carries an RDMA device,
 * and every software RDMA device (rxe, siw). For each function: ids, driver
 * (`vfio-pci` -> `assignedToVm`), NUMA node, IOMMU group, netdevs, and its
 * RDMA devices with GUIDs, ports, GIDs and P_Keys.
 *
 * Reads files only; needs no privileges. Malformed trees (missing files,
 * dangling links, unreadable attributes) do not stop it: what cannot be read
 * is left out and described in `warnings`.
 *
 * @param options - `sysfsRoot`, default `VRDMA_SYSFS` or `/sys`.
 * @throws InvalidArgumentError (`ERR_INVALID_ARG`) for an unknown or mistyped option.
 * @throws SysfsNotFoundError (`ERR_NO_SYSFS`) when the root has neither
 *   `bus/pci/devices` nor `class/infiniband`.
 */
export function discoverSriov(options: DiscoverOptions = {}): SriovTopology {
  checkOptions('discoverSriov()', 'options', options, SYSFS_ROOT_OPTIONS);
  const root = options.sysfsRoot ?? defaultSysfsRoot();
  const hasPci = isDirectory(join(root, 'bus', 'pci', 'devices'));
  const hasIb = isDirectory(join(root, 'class', 'infiniband'));
  if (!hasPci && !hasIb) {
    const why = isDirectory(root) ? 'has neither bus/pci/devices nor class/infiniband' : 'does not exist';
    throw new SysfsNotFoundError(root, `${root} is not a sysfs tree: it ${why}`);
  }
  const warnings: string[] = [];
  // Paths in warnings are relative to the sysfs root.
  const prefixes = [resolvePath(root), root]
    .filter((p): p is string => p !== undefined)
    .map((p) => `${p.replace(/\/+$/, '')}/`)
    .filter((p, i, all) => p !== '/' && all.indexOf(p) === i);
  const warn = (message: string): void => {
    const text = prefixes.reduce((m, p) => m.split(p).join(''), message);
    if (!warnings.includes(text)) warnings.push(text);
  };

  const functions = listPciFunctions(root, warn);
  const byAddress = new Map(functions.map((f) => [f.pciAddress, f]));
  const listedVfs = new Set<string>();
  const physicalFunctions: PhysicalFunction[] = [];

  for (const fn of functions) {
    if (!hasSriov(fn.dir)) continue;
    const cap = readSriovCapability(fn.dir, (m) => warn(`${fn.pciAddress}: ${m}`));
    if (cap.numVfs === undefined && !exists(join(fn.dir, 'sriov_numvfs'))) warn(`${fn.pciAddress}: has sriov_totalvfs but no sriov_numvfs`);
    const vfs: VirtualFunction[] = [];
    for (const link of listVirtfns(fn.dir, (m) => warn(`${fn.pciAddress}: ${m}`))) {
      const vfDir = link.dir ?? byAddress.get(link.pciAddress)?.dir;
      if (vfDir === undefined || !isDirectory(vfDir)) {
        warn(`${fn.pciAddress}: virtfn${link.index} points to ${link.pciAddress}, which does not exist; skipped`);
        continue;
      }
      listedVfs.add(link.pciAddress);
      const back = physfnOf(vfDir);
      if (back !== fn.pciAddress) {
        warn(`${link.pciAddress}: physfn ${back === undefined ? 'is missing' : `points to ${back}`}, expected ${fn.pciAddress}`);
      }
      const info = readPciFunction(root, link.pciAddress, vfDir, warn);
      vfs.push({ ...info, vfIndex: link.index, pf: fn.pciAddress });
    }
    if (cap.numVfs !== undefined && cap.numVfs !== vfs.length) {
      warn(`${fn.pciAddress}: sriov_numvfs is ${cap.numVfs} but ${vfs.length} VF(s) were found`);
    }
    const info = readPciFunction(root, fn.pciAddress, fn.dir, warn);
    physicalFunctions.push({
      ...info,
      ...(cap.totalVfs !== undefined ? { totalVfs: cap.totalVfs } : {}),
      ...(cap.numVfs !== undefined ? { numVfs: cap.numVfs } : {}),
      ...(cap.vfDeviceId !== undefined ? { vfDeviceId: cap.vfDeviceId } : {}),
      vfs,
    });
  }

  const otherFunctions: PciFunctionInfo[] = [];
  for (const fn of functions) {
    if (hasSriov(fn.dir) || listedVfs.has(fn.pciAddress)) continue;
    const pf = physfnOf(fn.dir);
    if (pf !== undefined) {
      warn(`${fn.pciAddress}: a VF of ${pf}, but ${pf} does not list it`);
      otherFunctions.push(readPciFunction(root, fn.pciAddress, fn.dir, warn));
      continue;
    }
    if (listDir(join(fn.dir, 'infiniband')).length === 0) continue;
    const info = readPciFunction(root, fn.pciAddress, fn.dir, warn);
    if (info.rdmaDevices.length > 0) otherFunctions.push(info);
  }

  return {
    sysfsRoot: root,
    physicalFunctions,
    otherFunctions,
    softwareDevices: readSoftwareDevices(root, warn),
    warnings,
  };
}
