import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModuleState } from '../doctor/kernel-modules.js';
import { moduleState } from '../doctor/kernel-modules.js';
import { doctorEnv } from '../doctor/environment.js';
import { isDirectory } from '../../sriov/sysfs-read.js';
import { softRoceLinks, type SoftRoceLink } from './links.js';
import { rdmaToolPath } from './rdma-tool.js';
import { findProgram } from './find-program.js';
import { softRoceCacheDir } from './cache-dir.js';
import { softRoceScriptsDir } from './scripts-dir.js';

/** Whether `vrdma softroce run` can boot its VM here, and what it lacks. */
export interface VmReadiness {
  /** QEMU, bash, the scripts and (cached, or fetchable with apt-get) a kernel are all there. */
  readonly ready: boolean;
  /** The QEMU binary, when found. */
  readonly qemu?: string;
  /** The cached guest kernel's version, when one is cached. */
  readonly kernel?: string;
  /** Where the kernel, initramfs and job folders live. */
  readonly cacheDir: string;
  /** What is missing, one sentence each (empty when ready). */
  readonly missing: readonly string[];
  /** Notes that do not stop it (for example: the kernel is fetched on first run). */
  readonly notes: readonly string[];
}

/** What `vrdma softroce status` reports. */
export interface SoftRoceStatus {
  /** The running kernel's release. */
  readonly kernel: string;
  /** Running inside the Soft-RoCE VM (`VRDMA_IN_VM=1`). */
  readonly inVm: boolean;
  /** `<sysfs>/class/infiniband` exists: the kernel has the RDMA core. */
  readonly rdmaCore: boolean;
  /** rdma_rxe and siw: loaded, built in, or installed as a file. */
  readonly modules: { readonly rdma_rxe: ModuleState; readonly siw: ModuleState };
  /** The `rdma` tool (iproute2), when found. */
  readonly rdmaTool?: string;
  /** The rxe and siw links that exist now. */
  readonly links: readonly SoftRoceLink[];
  /** `vrdma softroce up` can create an rxe link on this kernel. */
  readonly canCreateRxe: boolean;
  /** Why not, or what else is missing, one sentence each. */
  readonly missing: readonly string[];
  /** Whether `vrdma softroce run` can boot its VM. */
  readonly vm: VmReadiness;
}

function available(m: ModuleState): boolean {
  return m.loaded || m.builtin || m.file !== undefined;
}

function cachedKernel(cacheDir: string): string | undefined {
  try {
    const v = readFileSync(join(cacheDir, 'kernel', 'current'), 'utf8').trim();
    return v !== '' && existsSync(join(cacheDir, 'kernel', v, 'boot', `vmlinuz-${v}`)) ? v : undefined;
  } catch {
    return undefined;
  }
}

function vmReadiness(): VmReadiness {
  const cacheDir = softRoceCacheDir();
  const missing: string[] = [];
  const notes: string[] = [];
  const qemu = findProgram(process.env['VRDMA_QEMU'] || 'qemu-system-x86_64');
  if (qemu === undefined) missing.push('qemu-system-x86_64 is not on PATH (Debian: apt-get install qemu-system-x86)');
  if (findProgram('bash') === undefined) missing.push('bash is not on PATH');
  if (softRoceScriptsDir() === undefined) missing.push('the VM scripts (softroce/ in the vrdma package) are missing: reinstall vrdma');
  if (!existsSync('/bin/busybox')) missing.push('/bin/busybox is missing (Debian: apt-get install busybox-static)');
  if (findProgram('cpio') === undefined) missing.push('cpio is not on PATH (Debian: apt-get install cpio)');
  const kernel = cachedKernel(cacheDir);
  if (kernel === undefined) {
    if (findProgram('apt-get') === undefined) missing.push(`no guest kernel in ${join(cacheDir, 'kernel')} and no apt-get to fetch Debian's`);
    else notes.push(`no guest kernel cached yet: the first run fetches Debian's linux-image-*-amd64 with apt-get download into ${join(cacheDir, 'kernel')}`);
  }
  return { ready: missing.length === 0, ...(qemu !== undefined ? { qemu } : {}), ...(kernel !== undefined ? { kernel } : {}), cacheDir, missing, notes };
}

/** Look at this machine: modules, links, the `rdma` tool and the VM runner. Never throws. */
export function softRoceStatus(sysfsRoot: string): SoftRoceStatus {
  const env = doctorEnv(sysfsRoot, undefined);
  const rdmaCore = isDirectory(join(sysfsRoot, 'class', 'infiniband'));
  const rxe = moduleState(env, 'rdma_rxe');
  const siw = moduleState(env, 'siw');
  const rdmaTool = rdmaToolPath();
  const missing: string[] = [];
  if (!available(rxe)) {
    missing.push(rdmaCore || available(moduleState(env, 'ib_core'))
      ? `this kernel (${env.kernelRelease}) has the RDMA core but no rdma_rxe module (CONFIG_RDMA_RXE)`
      : `this kernel (${env.kernelRelease}) was built without RDMA (CONFIG_INFINIBAND): no ${join(sysfsRoot, 'class', 'infiniband')}, no rdma_rxe or siw module`);
  } else if (!rxe.loaded && !rxe.builtin) {
    missing.push(`rdma_rxe is installed (${rxe.file ?? 'a module file'}) but not loaded: "vrdma softroce up" loads it through the rdma tool, or run "modprobe rdma_rxe" as root`);
  }
  if (rdmaTool === undefined) missing.push('the "rdma" tool (iproute2) is not on PATH');
  return {
    kernel: env.kernelRelease,
    inVm: process.env['VRDMA_IN_VM'] === '1',
    rdmaCore,
    modules: { rdma_rxe: rxe, siw },
    ...(rdmaTool !== undefined ? { rdmaTool } : {}),
    links: softRoceLinks(sysfsRoot),
    canCreateRxe: available(rxe) && rdmaTool !== undefined,
    missing,
    vm: vmReadiness(),
  };
}
