import type { CheckResult } from '../doctor/check.js';
import type { DoctorVerdict } from '../doctor/verdict.js';
import { TROUBLESHOOTING_URL } from '../doctor/troubleshooting.js';

const MARK: Readonly<Record<CheckResult['status'], string>> = { ok: 'ok  ', off: 'off ', warn: 'warn', fail: 'FAIL' };

/**
 * Doctor results as text: one line per check with what was found under it
 * and what to do (`fix:` for problems, `to enable:` for what is off, `next:`
 * after an ok), then which providers work here and the counts.
 */
export function formatDoctorText(checks: readonly CheckResult[], verdict: DoctorVerdict): string {
  const out: string[] = [];
  for (const c of checks) {
    out.push(`[${MARK[c.status]}] ${c.title}`, `       ${c.detail}`);
    if (c.fix !== undefined) out.push(`       ${c.status === 'ok' ? 'next' : c.status === 'off' ? 'to enable' : 'fix'}: ${c.fix}`);
    if (c.help !== undefined && c.status !== 'ok') out.push(`       more: ${c.help}`);
  }
  const s = verdict.summary;
  const usable = verdict.usable.length > 0 ? verdict.usable.join(' and ') : 'none';
  out.push('', `usable here: ${usable}; ${s.ok} ok, ${s.off} off, ${s.warn} warning(s), ${s.fail} failed`);
  out.push(`troubleshooting: ${TROUBLESHOOTING_URL} (also docs/troubleshooting.md in the package)`);
  return `${out.join('\n')}\n`;
}
