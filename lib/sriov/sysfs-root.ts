import { optionShape } from '../validate/options.js';

/**
 * The sysfs root to read when none is given: `VRDMA_SYSFS` when set and not
 * empty, else `/sys`.
 */
export function defaultSysfsRoot(): string {
  const fromEnv = process.env['VRDMA_SYSFS'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : '/sys';
}

/** Options of the SR-IOV functions: where sysfs is. */
export interface SysfsRootOptions {
  /** The sysfs root to read; default `VRDMA_SYSFS` or `/sys`. */
  readonly sysfsRoot?: string;
}

/** The keys and types of `SysfsRootOptions`. */
export const SYSFS_ROOT_OPTIONS = optionShape<SysfsRootOptions>({ sysfsRoot: 'string' });
