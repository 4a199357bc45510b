/** How a doctor check came out. `fail` makes `vrdma doctor` exit 1. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One check's outcome. */
export interface CheckResult {
  /** Stable id: `libibverbs`, `rdma-devices`, `memlock`, `rxe`, `loopback-hub`. */
  readonly id: string;
  /** What was checked, in words. */
  readonly title: string;
  readonly status: CheckStatus;
  /** What was found. */
  readonly detail: string;
  /** What to do about a warning or failure. */
  readonly fix?: string;
}

/** Where the checks look, and what the user plans. */
export interface DoctorEnv {
  /** sysfs root (`--sysfs`, `VRDMA_SYSFS`, `/sys`). */
  readonly sysfsRoot: string;
  /** procfs root (`VRDMA_PROCFS`, `/proc`). */
  readonly procRoot: string;
  /** kernel modules root (`VRDMA_MODULES_DIR`, `/lib/modules`). */
  readonly modulesDir: string;
  /** `uname -r`. */
  readonly kernelRelease: string;
  /** Bytes the user plans to register. */
  readonly memlockBytes: number;
  /** Whether `memlockBytes` was given (`--memlock-bytes`) rather than the default. */
  readonly memlockExplicit: boolean;
}

/** A check: never throws, always returns a result. */
export type Check = (env: DoctorEnv) => Promise<CheckResult>;
