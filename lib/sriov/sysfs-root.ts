/**
 * The sysfs root to read when none is given: `VRDMA_SYSFS` when set and not
 * empty, else `/sys`.
 */
export function defaultSysfsRoot(): string {
  const fromEnv = process.env['VRDMA_SYSFS'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : '/sys';
}
