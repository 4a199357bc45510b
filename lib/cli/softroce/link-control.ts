import { join } from 'node:path';
import { listDir, readAttr, isDirectory } from '../../sriov/sysfs-read.js';
import { runRdmaTool, rdmaToolError } from './rdma-tool.js';
import { softRoceStatus } from './status.js';
import { softRoceLinks, type SoftRoceLink } from './links.js';
import { SoftRoceError, SoftRoceErrorCode } from './softroce-error.js';

const LINK_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,31}$/;

/**
 * Whether `name` can be an RDMA device name: a letter, then letters, digits,
 * `_`, `.` or `-`, at most 32 characters. Never throws.
 */
export function isValidLinkName(name: string): boolean {
  return LINK_NAME.test(name);
}

/** The first network interface that is up, other than `lo`, in sysfs order. Never throws. */
export function defaultNetdev(sysfsRoot: string): string | undefined {
  const base = join(sysfsRoot, 'class', 'net');
  return listDir(base).find((n) => n !== 'lo' && ['up', 'unknown'].includes(readAttr(join(base, n, 'operstate')) ?? ''));
}

function requireRxe(sysfsRoot: string): void {
  const status = softRoceStatus(sysfsRoot);
  if (status.modules.rdma_rxe.loaded || status.modules.rdma_rxe.builtin || status.modules.rdma_rxe.file !== undefined) return;
  throw new SoftRoceError(SoftRoceErrorCode.NO_RXE, status.missing[0] ?? 'this kernel has no rdma_rxe', 'use "vrdma softroce run -- CMD" to run CMD on rxe0 in a VM, or install a kernel with CONFIG_RDMA_RXE');
}

/**
 * Create the rxe link `name` over `netdev` (default: the first interface
 * that is up) with `rdma link add NAME type rxe netdev IF`, and return it.
 * @throws SoftRoceError `ERR_NO_RXE` (no rdma_rxe in this kernel),
 *   `ERR_NO_NETDEV`, `ERR_LINK_EXISTS`, `ERR_NO_RDMA_TOOL`,
 *   `ERR_NEEDS_CAP_NET_ADMIN` (EPERM) or `ERR_RDMA_TOOL`.
 */
export function linkUp(sysfsRoot: string, name: string, netdev?: string): SoftRoceLink {
  requireRxe(sysfsRoot);
  const dev = netdev ?? defaultNetdev(sysfsRoot);
  if (dev === undefined) {
    throw new SoftRoceError(SoftRoceErrorCode.NO_NETDEV, 'no network interface other than lo is up', 'bring one up, or name one with --netdev IF');
  }
  if (!isDirectory(join(sysfsRoot, 'class', 'net', dev))) {
    throw new SoftRoceError(SoftRoceErrorCode.NO_NETDEV, `no network interface "${dev}"`, `see "ip link" for the interfaces; pass one with --netdev IF`);
  }
  if (isDirectory(join(sysfsRoot, 'class', 'infiniband', name))) {
    throw new SoftRoceError(SoftRoceErrorCode.LINK_EXISTS, `an RDMA device named "${name}" exists already`, `pick another --name, or remove it with "vrdma softroce down --name ${name}"`);
  }
  const r = runRdmaTool(['link', 'add', name, 'type', 'rxe', 'netdev', dev]);
  if (r.status !== 0) throw rdmaToolError(`rdma link add ${name} type rxe netdev ${dev}`, r);
  return softRoceLinks(sysfsRoot).find((l) => l.name === name) ?? { name, driver: 'rxe', netdev: dev, active: false };
}

/**
 * Remove the rxe or siw link `name` with `rdma link delete NAME`.
 * @throws SoftRoceError `ERR_NO_LINK` (no such software link),
 *   `ERR_NO_RDMA_TOOL`, `ERR_NEEDS_CAP_NET_ADMIN` (EPERM) or `ERR_RDMA_TOOL`.
 */
export function linkDown(sysfsRoot: string, name: string): void {
  if (!softRoceLinks(sysfsRoot).some((l) => l.name === name)) {
    const known = softRoceLinks(sysfsRoot).map((l) => l.name);
    throw new SoftRoceError(SoftRoceErrorCode.NO_LINK, `no rxe or siw link named "${name}"${known.length > 0 ? ` (there are: ${known.join(', ')})` : ''}`, '"vrdma softroce status" lists the links');
  }
  const r = runRdmaTool(['link', 'delete', name]);
  if (r.status !== 0) throw rdmaToolError(`rdma link delete ${name}`, r);
}
