import { errnoValue } from '../errors/errno.js';
import type { RdmaError } from '../errors/rdma-error.js';
import { SriovPermissionError } from './errors/sriov-permission-error.js';
import { SriovWriteError } from './errors/sriov-write-error.js';

const PERMISSION_HINT =
  'writing sriov_numvfs needs root (run with sudo); in a container /sys is usually mounted read-only: ' +
  'run privileged or do it on the host';

const HINTS: Readonly<Record<string, string>> = {
  EBUSY: 'VFs are in use (assigned to a VM through vfio-pci, or held open): release them and write 0 first',
  ENOENT: 'no driver is bound to the PF, or its driver cannot create VFs: bind the vendor driver (e.g. modprobe mlx5_core)',
  ENOMEM: 'the kernel or the adapter could not allocate the VFs (for ConnectX, check NUM_OF_VFS with mlxconfig)',
  ENOSPC: 'not enough PCI bus numbers or BAR space for the VFs: check the BIOS SR-IOV setting and "pci=realloc"',
  ERANGE: 'the count is above sriov_totalvfs',
  EINVAL: 'the kernel did not accept the value',
  EIO: 'the adapter failed to enable SR-IOV: check dmesg',
  ENOSYS: 'the PF driver does not support SR-IOV configuration',
  EOPNOTSUPP: 'the PF driver does not support SR-IOV configuration',
};

function codeOf(err: unknown): string | undefined {
  if (err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/**
 * Turn a failed `sriov_numvfs` write into a library error: EACCES, EPERM and
 * EROFS become `SriovPermissionError` (`ERR_PERMISSION`) with how to get the
 * right; anything else a `SriovWriteError` whose `code` is the errno name
 * and whose hint names the usual cause.
 * @param err - what the write threw.
 * @param path - the file written.
 * @param value - the value written.
 */
export function toSriovWriteError(err: unknown, path: string, value: number): RdmaError {
  const code = codeOf(err);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new SriovPermissionError(path, code, PERMISSION_HINT, { cause: err });
  }
  if (code !== undefined && /^E[A-Z0-9]+$/.test(code)) {
    const errno = errnoValue(code as Parameters<typeof errnoValue>[0]);
    const hint = HINTS[code] ?? 'see dmesg for what the driver reported';
    return new SriovWriteError(path, value, code, hint, errno === 0 ? undefined : errno, { cause: err });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new SriovWriteError(path, value, 'ERR_SYSFS_WRITE', detail, undefined, { cause: err });
}
