import type { SgeSpec } from '../../provider/spi.js';
import { Access } from '../../constants/access.js';
import { memoryIntact } from '../../provider/memory-intact.js';
import { LoopMr } from './mr.js';
import type { LoopNode } from './node.js';

/** What a scatter/gather list is checked against: the QP's node (context) and protection domain. */
export interface LocalScope {
  readonly node: LoopNode;
  readonly pdId: number;
}

/**
 * The local access check of InfiniBand, made when a request uses its
 * scatter/gather list: every region is open, of the QP's context and
 * protection domain, still holds its memory, and allows local writes when
 * `write` (a receive, a READ response, an atomic's result). False means
 * LOC_PROT_ERR.
 */
export function localAccessOk(sges: readonly SgeSpec[], scope: LocalScope, write: boolean): boolean {
  for (const s of sges) {
    const mr = s.mr;
    if (!(mr instanceof LoopMr) || mr.node !== scope.node || mr.pdId !== scope.pdId || mr.closed || !memoryIntact(mr)) return false;
    if (write && (mr.access & Access.LOCAL_WRITE) === 0) return false;
  }
  return true;
}
