import { join } from 'node:path';
import type { SriovRole } from '../types/device.js';
import { hasSriov, listVirtfns, physfnOf, readSriovCapability } from './sriov-capability.js';
import { resolvePath } from './sysfs-read.js';

/** The PCI routing id (bus << 8 | device << 3 | function) of an address, with its domain. */
function routingId(address: string): { domain: string; rid: number } | undefined {
  const m = /^([0-9a-f]+):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(address);
  if (!m) return undefined;
  const rid = (Number.parseInt(m[2] ?? '', 16) << 8) | (Number.parseInt(m[3] ?? '', 16) << 3) | Number.parseInt(m[4] ?? '', 10);
  return { domain: m[1] ?? '', rid };
}

/**
 * The index of a VF under its PF: the `N` of the PF's `virtfnN` link that
 * points to it; failing that, computed from the PF's `sriov_offset` and
 * `sriov_stride`; -1 when neither works.
 */
function vfIndexOf(vfAddress: string, pfDir: string | undefined): number {
  if (pfDir === undefined) return -1;
  const link = listVirtfns(pfDir).find((l) => l.pciAddress === vfAddress);
  if (link) return link.index;
  const cap = readSriovCapability(pfDir);
  const pf = routingId(pfDir.slice(pfDir.lastIndexOf('/') + 1));
  const vf = routingId(vfAddress);
  if (!pf || !vf || pf.domain !== vf.domain || cap.offset === undefined || !cap.stride) return -1;
  const n = (vf.rid - pf.rid - cap.offset) / cap.stride;
  return Number.isInteger(n) && n >= 0 ? n : -1;
}

/**
 * The SR-IOV role of a PCI function directory: `vf` when it has a `physfn`
 * link, `pf` when it has `sriov_totalvfs`, else `none`. Never throws; an
 * unreadable `sriov_totalvfs`/`sriov_numvfs` counts as 0 there.
 * @param pciAddress - the function's address.
 * @param dir - its directory (resolved or not).
 */
export function sriovRoleOfPciFunction(pciAddress: string, dir: string): SriovRole {
  const pf = physfnOf(dir);
  if (pf !== undefined) {
    const pfDir = resolvePath(join(dir, 'physfn'));
    return { role: 'vf', pciAddress, pf, vfIndex: vfIndexOf(pciAddress, pfDir) };
  }
  if (hasSriov(dir)) {
    const cap = readSriovCapability(dir);
    return {
      role: 'pf',
      pciAddress,
      totalVfs: cap.totalVfs ?? 0,
      numVfs: cap.numVfs ?? 0,
      vfs: listVirtfns(dir).map((l) => l.pciAddress),
    };
  }
  return { role: 'none', pciAddress };
}
