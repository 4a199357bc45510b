import type { SgeSpec } from '../../provider/spi.js';

/** True when every SGE's region is still open and belongs to protection domain `pdId`. */
export function sgesInPd(sges: readonly SgeSpec[], pdId: number): boolean {
  for (const s of sges) {
    const mr = s.mr as { pdId?: number; closed?: boolean };
    if (mr.pdId !== pdId || mr.closed) return false;
  }
  return true;
}
