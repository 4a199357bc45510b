import { open } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { defaultSysfsRoot, SYSFS_ROOT_OPTIONS, type SysfsRootOptions } from './sysfs-root.js';
import { checkOptions } from '../validate/options.js';
import { isDirectory, readAttr, parseIntStrict, resolvePath } from './sysfs-read.js';
import { normalizePciAddress } from './pci-address.js';
import { physfnOf } from './sriov-capability.js';
import { toSriovWriteError } from './write-error.js';
import { PciDeviceNotFoundError } from './errors/pci-device-not-found-error.js';
import { NoSriovError } from './errors/no-sriov-error.js';
import { VfLimitError } from './errors/vf-limit-error.js';
import { SriovWriteError } from './errors/sriov-write-error.js';

/** Options for `setNumVfs()`. */
export type SetNumVfsOptions = SysfsRootOptions;

/** What `setNumVfs()` did. */
export interface SetNumVfsResult {
  /** The PF's address in full form. */
  readonly pciAddress: string;
  /** `sriov_numvfs` before. */
  readonly previous: number;
  /** `sriov_numvfs` now (the requested count). */
  readonly numVfs: number;
  /** The values written, in order: `[]` when nothing changed, `[0, n]` when going through 0. */
  readonly writes: readonly number[];
}

async function writeNumVfs(path: string, value: number): Promise<void> {
  // O_WRONLY without O_CREAT: never create the attribute when it is missing.
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY);
    await handle.write(`${value}\n`);
  } catch (err) {
    throw toSriovWriteError(err, path, value);
  } finally {
    await handle?.close();
  }
}

/**
 * Enable `count` virtual functions on a physical function by writing
 * `sriov_numvfs`; 0 disables them. The kernel refuses to change a non-zero
 * count to another non-zero one, so that goes through 0 first (the existing
 * VFs disappear, then the new ones are created). Asking for the current
 * count writes nothing.
 *
 * @param pciAddress - the PF, `"0000:3b:00.0"` (the short `"3b:00.0"` is taken as domain 0).
 * @param count - an integer from 0 to `sriov_totalvfs`.
 * @param options - `sysfsRoot`, default `VRDMA_SYSFS` or `/sys`.
 * @throws InvalidArgumentError (`ERR_INVALID_ARG`) for a malformed address, a count that is not a non-negative integer, or an unknown or mistyped option.
 * @throws PciDeviceNotFoundError (`ERR_NO_DEVICE`) when no such PCI function exists.
 * @throws NoSriovError (`ERR_NO_SRIOV`) when the function has no SR-IOV capability or is itself a VF.
 * @throws VfLimitError (`ERR_VF_LIMIT`) when `count` exceeds `sriov_totalvfs`.
 * @throws SriovPermissionError (`ERR_PERMISSION`) on EACCES, EPERM or EROFS, with a fix in `hint`.
 * @throws SriovWriteError (code = errno name, e.g. `EBUSY`) when the kernel refuses the write for another reason.
 */
export async function setNumVfs(pciAddress: string, count: number, options: SetNumVfsOptions = {}): Promise<SetNumVfsResult> {
  const address = typeof pciAddress === 'string' ? normalizePciAddress(pciAddress) : undefined;
  if (address === undefined) {
    throw new InvalidArgumentError('pciAddress', `must be a PCI address like "0000:3b:00.0", got ${JSON.stringify(pciAddress)}`);
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new InvalidArgumentError('count', `must be a non-negative integer, got ${typeof count === 'number' ? count : typeof count}`);
  }
  checkOptions('setNumVfs()', 'options', options, SYSFS_ROOT_OPTIONS);
  const root = options.sysfsRoot ?? defaultSysfsRoot();
  const dir = resolvePath(join(root, 'bus', 'pci', 'devices', address));
  if (dir === undefined || !isDirectory(dir)) {
    throw new PciDeviceNotFoundError(address, `no PCI device ${address} under ${join(root, 'bus', 'pci', 'devices')}`);
  }
  const pf = physfnOf(dir);
  if (pf !== undefined) {
    throw new NoSriovError(address, `is a virtual function of ${pf}`, `set the VF count on its physical function ${pf} instead`);
  }
  const totalPath = join(dir, 'sriov_totalvfs');
  const totalText = readAttr(totalPath);
  const totalVfs = totalText === undefined ? undefined : parseIntStrict(totalText);
  if (totalVfs === undefined) {
    const reason = totalText === undefined ? 'has no SR-IOV capability (no sriov_totalvfs)' : `has an unreadable sriov_totalvfs ("${totalText}")`;
    throw new NoSriovError(address, reason, 'check "lspci -vvv -s ' + address + '" for the SR-IOV capability and enable SR-IOV in the BIOS and adapter firmware');
  }
  if (count > totalVfs) throw new VfLimitError(address, count, totalVfs);
  const numPath = join(dir, 'sriov_numvfs');
  const currentText = readAttr(numPath);
  const previous = currentText === undefined ? undefined : parseIntStrict(currentText);
  if (previous === undefined) {
    throw new NoSriovError(address, 'has no readable sriov_numvfs', 'the PF driver may not support SR-IOV configuration');
  }
  if (previous === count) return { pciAddress: address, previous, numVfs: count, writes: [] };
  const writes: number[] = [];
  if (previous !== 0 && count !== 0) {
    await writeNumVfs(numPath, 0);
    writes.push(0);
  }
  try {
    await writeNumVfs(numPath, count);
  } catch (err) {
    if (writes.length > 0 && err instanceof SriovWriteError) {
      throw new SriovWriteError(numPath, count, err.code, `${err.hint} (the ${previous} earlier VFs were already removed: sriov_numvfs is 0 now)`, err.errno, { cause: err });
    }
    throw err;
  }
  writes.push(count);
  return { pciAddress: address, previous, numVfs: count, writes };
}
