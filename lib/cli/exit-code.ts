/** The exit codes of `vrdma`. */
export const ExitCode = {
  /** Done; for `doctor`, no check failed. */
  OK: 0,
  /** The command failed, or a `doctor` check failed. */
  FAILURE: 1,
  /** The command line was wrong (unknown command or option, bad value). */
  USAGE: 2,
} as const;
