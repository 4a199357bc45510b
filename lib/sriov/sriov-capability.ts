import { join } from 'node:path';
import { exists, linkBasename, listDir, readAttr, readIntAttr, resolvePath, type WarningSink } from './sysfs-read.js';
import { isPciAddress } from './pci-address.js';

/** The SR-IOV attributes of a physical function. */
export interface SriovCapability {
  /** `sriov_totalvfs`, when readable. */
  readonly totalVfs?: number;
  /** `sriov_numvfs`, when readable. */
  readonly numVfs?: number;
  /** `sriov_vf_device`, as `0x` and hex. */
  readonly vfDeviceId?: string;
  /** `sriov_offset`: routing-id distance from the PF to VF 0. */
  readonly offset?: number;
  /** `sriov_stride`: routing-id distance between VFs. */
  readonly stride?: number;
}

/** One `virtfnN` link of a physical function. */
export interface VirtfnLink {
  /** `N`. */
  readonly index: number;
  /** The basename of the link target, a PCI address (the link may dangle). */
  readonly pciAddress: string;
  /** The resolved VF directory, undefined when the link dangles. */
  readonly dir?: string;
}

/** Whether a function directory has the SR-IOV capability (a `sriov_totalvfs` entry, readable or not). */
export function hasSriov(dir: string): boolean {
  return exists(join(dir, 'sriov_totalvfs'));
}

/** Read the SR-IOV attributes of a PF directory; unreadable or malformed ones are left out and reported to `warn`. */
export function readSriovCapability(dir: string, warn?: WarningSink): SriovCapability {
  const totalVfs = readIntAttr(join(dir, 'sriov_totalvfs'), warn);
  const numVfs = readIntAttr(join(dir, 'sriov_numvfs'), warn);
  const vfDevice = readAttr(join(dir, 'sriov_vf_device'));
  const offset = readIntAttr(join(dir, 'sriov_offset'));
  const stride = readIntAttr(join(dir, 'sriov_stride'));
  return {
    ...(totalVfs !== undefined ? { totalVfs } : {}),
    ...(numVfs !== undefined ? { numVfs } : {}),
    ...(vfDevice !== undefined && /^(0x)?[0-9a-f]{1,4}$/i.test(vfDevice)
      ? { vfDeviceId: `0x${vfDevice.replace(/^0x/i, '').toLowerCase().padStart(4, '0')}` }
      : {}),
    ...(offset !== undefined ? { offset } : {}),
    ...(stride !== undefined ? { stride } : {}),
  };
}

/**
 * The `virtfnN` links of a PF directory in index order. Links whose target
 * is not a PCI address are skipped and reported to `warn`.
 */
export function listVirtfns(dir: string, warn?: WarningSink): VirtfnLink[] {
  const out: VirtfnLink[] = [];
  for (const entry of listDir(dir)) {
    const m = /^virtfn(\d+)$/.exec(entry);
    if (!m) continue;
    const index = Number.parseInt(m[1] ?? '', 10);
    const target = linkBasename(join(dir, entry));
    if (target === undefined || !isPciAddress(target)) {
      warn?.(`${join(dir, entry)} is not a link to a PCI function`);
      continue;
    }
    const resolved = resolvePath(join(dir, entry));
    out.push({ index, pciAddress: target, ...(resolved !== undefined ? { dir: resolved } : {}) });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** The PF address of a VF directory (basename of its `physfn` link), or undefined when it is not a VF. */
export function physfnOf(dir: string): string | undefined {
  const target = linkBasename(join(dir, 'physfn'));
  return target !== undefined && isPciAddress(target) ? target : undefined;
}
