import type { CheckResult } from '../doctor/check.js';

const MARK: Readonly<Record<CheckResult['status'], string>> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

/** Doctor results as text: one line per check, its fix under it, then a summary line. */
export function formatDoctorText(checks: readonly CheckResult[]): string {
  const out: string[] = [];
  for (const c of checks) {
    out.push(`[${MARK[c.status]}] ${c.title}`, `       ${c.detail}`);
    if (c.fix !== undefined && c.status !== 'ok') out.push(`       fix: ${c.fix}`);
    else if (c.fix !== undefined) out.push(`       next: ${c.fix}`);
  }
  const count = (s: CheckResult['status']): number => checks.filter((c) => c.status === s).length;
  out.push('', `${count('ok')} ok, ${count('warn')} warning(s), ${count('fail')} failed`);
  return `${out.join('\n')}\n`;
}
