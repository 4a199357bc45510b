import { release } from 'node:os';
import type { DoctorEnv, RequiredProvider } from './check.js';

/** The default planned registration size when `--memlock-bytes` is not given: 64 MiB. */
export const DEFAULT_MEMLOCK_BYTES = 64 * 1024 * 1024;

function envDir(name: string, fallback: string): string {
  const v = process.env[name];
  return v !== undefined && v !== '' ? v : fallback;
}

/**
 * The doctor's environment: `sysfsRoot` as given, procfs from
 * `VRDMA_PROCFS` (default `/proc`), modules from `VRDMA_MODULES_DIR`
 * (default `/lib/modules`), the running kernel's release, and the provider
 * the user requires, if any.
 */
export function doctorEnv(sysfsRoot: string, memlockBytes: number | undefined, require?: RequiredProvider): DoctorEnv {
  return {
    ...(require !== undefined ? { require } : {}),
    sysfsRoot,
    procRoot: envDir('VRDMA_PROCFS', '/proc'),
    modulesDir: envDir('VRDMA_MODULES_DIR', '/lib/modules'),
    kernelRelease: envDir('VRDMA_KERNEL_RELEASE', release()),
    memlockBytes: memlockBytes ?? DEFAULT_MEMLOCK_BYTES,
    memlockExplicit: memlockBytes !== undefined,
  };
}
