/**
 * How a doctor check came out: `ok` works; `off` is not available here and
 * not needed (loop0 still works); `warn` may bite later; `fail` means what
 * the user asked for cannot work here (`--require`, `--memlock-bytes`), and
 * makes `vrdma doctor` exit 1.
 */
export type CheckStatus = 'ok' | 'off' | 'warn' | 'fail';

/** One check's outcome. */
export interface CheckResult {
  /** Stable id: `loopback`, `native`, `rdma-devices`, `memlock`, `rxe`, `loopback-hub`. */
  readonly id: string;
  /** What was checked, in words. */
  readonly title: string;
  readonly status: CheckStatus;
  /** What was found. */
  readonly detail: string;
  /** What to do about it (for `ok`: what comes next). */
  readonly fix?: string;
  /** The section of the troubleshooting page that explains more. */
  readonly help?: string;
}

/** The provider `vrdma doctor --require` names. */
export type RequiredProvider = 'native' | 'loopback';

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
  /** The provider the user needs (`--require`); what it lacks fails instead of being off. */
  readonly require?: RequiredProvider;
}

/** A check: never throws, always returns a result. */
export type Check = (env: DoctorEnv) => Promise<CheckResult>;
