/**
 * The steps of a property run, as generated (`generators.ts`) and as the
 * model (`model.ts`) and the runner (`runner.ts`) read them. Regions are
 * named by a number taken modulo the side's region count, so a step never
 * depends on what earlier steps made.
 */
import type { MemoryKind } from './protocol.js';

/** Side `a` posts sends; side `b` posts receives and is the target of RDMA. */
export type Side = 'a' | 'b';

/** The send opcodes a run uses. */
export const OPS = ['SEND', 'SEND_WITH_IMM', 'RDMA_WRITE', 'RDMA_WRITE_WITH_IMM', 'RDMA_READ', 'ATOMIC_FETCH_AND_ADD', 'ATOMIC_CMP_AND_SWP'] as const;
export type OpName = (typeof OPS)[number];

/** What happens to side `b` at once: its QP destroyed or moved to ERR, its thread or process killed or stopped. */
export const FAULTS = ['qpClose', 'qpErr', 'kill', 'stop'] as const;
export type FaultKind = (typeof FAULTS)[number];

/** A send: the local range, and the remote one for RDMA and atomics (a valid or a wrong rkey). */
export interface SendSpec {
  readonly op: OpName;
  readonly mr: number;
  readonly offset: number;
  readonly length: number;
  readonly target: { readonly mr: number; readonly offset: number; readonly wrongRkey: boolean };
  readonly imm: number;
  readonly compareAdd: bigint;
  readonly swap: bigint;
}

export type Action =
  | { readonly t: 'register'; readonly side: Side; readonly kind: MemoryKind; readonly size: number; readonly access: number; readonly otherPd: boolean; readonly seed: number }
  | { readonly t: 'recv'; readonly mr: number; readonly offset: number; readonly length: number }
  | { readonly t: 'send'; readonly wrs: readonly SendSpec[] }
  | { readonly t: 'closeMr'; readonly side: Side; readonly mr: number }
  | { readonly t: 'transfer'; readonly side: Side; readonly mr: number }
  | { readonly t: 'closeQpA' }
  | { readonly t: 'fault'; readonly kind: FaultKind };

/** One run: the RC timer attributes of both QPs and the steps. */
export interface Scenario {
  readonly retryCnt: number;
  readonly timeout: number;
  readonly actions: readonly Action[];
}
