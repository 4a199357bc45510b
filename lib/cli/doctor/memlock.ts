import { join } from 'node:path';
import type { Check } from './check.js';
import { readAttr } from '../../sriov/sysfs-read.js';
import { formatSize } from '../size.js';
import { troubleshootingLink } from './troubleshooting.js';

/** A limit from `/proc/<pid>/limits`: bytes, or `Infinity` for "unlimited". */
export interface MemlockLimit {
  readonly soft: number;
  readonly hard: number;
}

/** Parse the "Max locked memory" line of a `/proc/<pid>/limits` text; undefined when absent or malformed. */
export function parseMemlockLimit(limitsText: string): MemlockLimit | undefined {
  const line = limitsText.split('\n').find((l) => l.startsWith('Max locked memory'));
  const m = line === undefined ? null : /^Max locked memory\s+(\S+)\s+(\S+)/.exec(line);
  if (!m) return undefined;
  const value = (s: string | undefined): number | undefined =>
    s === 'unlimited' ? Infinity : s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined;
  const soft = value(m[1]);
  const hard = value(m[2]);
  return soft === undefined || hard === undefined ? undefined : { soft, hard };
}

const CAP_IPC_LOCK = 14n;

/** Whether a `/proc/<pid>/status` text shows CAP_IPC_LOCK in CapEff (it lets registrations pass the limit). */
export function hasIpcLock(statusText: string): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/im.exec(statusText);
  return m !== null && ((BigInt(`0x${m[1] ?? '0'}`) >> CAP_IPC_LOCK) & 1n) === 1n;
}

function size(n: number): string {
  return n === Infinity ? 'unlimited' : formatSize(n);
}

/**
 * The memlock limit (`/proc/self/limits`, "Max locked memory") against the
 * planned registration size. Below it: fail when the size was given, warn
 * for the default; a warning only when the process has CAP_IPC_LOCK.
 */
export const checkMemlock: Check = async (env) => {
  const id = 'memlock';
  const title = 'locked-memory limit (ulimit -l)';
  const path = join(env.procRoot, 'self', 'limits');
  const text = readAttr(path);
  const limit = text === undefined ? undefined : parseMemlockLimit(text);
  if (limit === undefined) {
    return { id, title, status: 'warn', detail: `cannot read "Max locked memory" from ${path}`, fix: 'check "ulimit -l" by hand' };
  }
  const planned = env.memlockBytes;
  const detail = `soft limit ${size(limit.soft)}, hard limit ${size(limit.hard)}; planned registration ${size(planned)}`;
  if (limit.soft >= planned) return { id, title, status: 'ok', detail };
  const fix =
    (limit.hard >= planned ? `raise the soft limit: "ulimit -l ${limit.hard === Infinity ? 'unlimited' : Math.ceil(planned / 1024)}"` : 'raise the limit: as root "ulimit -l unlimited"') +
    '; for a service: LimitMEMLOCK=infinity (systemd) or "memlock" in /etc/security/limits.conf; in Docker: --ulimit memlock=-1';
  const status = readAttr(join(env.procRoot, 'self', 'status'));
  const help = troubleshootingLink('memlock');
  if (status !== undefined && hasIpcLock(status)) {
    return { id, title, status: 'warn', detail: `${detail}; this process has CAP_IPC_LOCK, so the kernel lets its registrations exceed the limit (an unprivileged one would fail)`, fix, help };
  }
  return {
    id, title, status: env.memlockExplicit ? 'fail' : 'warn', help,
    detail: `${detail}; registering more than the limit fails with ENOMEM or EPERM`,
    fix,
  };
};
