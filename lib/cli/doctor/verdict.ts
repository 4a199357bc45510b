import type { CheckResult, CheckStatus } from './check.js';

/** What `vrdma doctor` concludes from its checks. */
export interface DoctorVerdict {
  /** No check failed: exit 0. */
  readonly ok: boolean;
  /** The providers that work here (`loopback`, `native`), from their checks. */
  readonly usable: readonly string[];
  /** How many checks came out each way. */
  readonly summary: Readonly<Record<CheckStatus, number>>;
}

/** The verdict over `checks`: which providers work, counts, and whether any failed. */
export function doctorVerdict(checks: readonly CheckResult[]): DoctorVerdict {
  const count = (s: CheckStatus): number => checks.filter((c) => c.status === s).length;
  const works = (id: string): boolean => checks.some((c) => c.id === id && c.status === 'ok');
  const usable = [...(works('native') ? ['native'] : []), ...(works('loopback') ? ['loopback'] : [])];
  return {
    ok: count('fail') === 0 && usable.length > 0,
    usable,
    summary: { ok: count('ok'), off: count('off'), warn: count('warn'), fail: count('fail') },
  };
}
