/**
 * The commands a property run sends to one side of the fabric (an `Agent`,
 * in this thread, a worker or a child process) and what each answers.
 * Everything crosses `postMessage` or process IPC, so it is plain JSON:
 * 64-bit values travel as decimal strings, bytes as hex.
 */
import type { Endpoint } from '../../lib/index.js';

/** How a region's memory is made: the good kinds register, the bad ones must be refused. */
export const GOOD_KINDS = ['sab', 'alloc', 'arraybuffer'] as const;
export const BAD_KINDS = ['resizable', 'detached', 'empty', 'pooled', 'remoteWithoutLocalWrite'] as const;
export type GoodKind = (typeof GOOD_KINDS)[number];
export type BadKind = (typeof BAD_KINDS)[number];
export type MemoryKind = GoodKind | BadKind;

/** A send work request in agent terms: regions by slot number, the remote side as address and rkey. */
export interface AgentSendWr {
  readonly wrId: number;
  readonly opcode: number;
  readonly mr: number;
  readonly offset: number;
  readonly length: number;
  readonly remoteAddr?: string;
  readonly rkey?: number;
  readonly imm?: number;
  readonly compareAdd?: string;
  readonly swap?: string;
}

/** A completion as an agent reports it. */
export interface AgentWc {
  readonly wrId: number;
  readonly status: number;
  readonly opcode: number;
  readonly byteLen: number;
  readonly imm: number;
}

/** What a call that may throw answers: ok, or the error's class name and code. */
export type Outcome = { readonly ok: true } | { readonly ok: false; readonly error: string; readonly code: string };

/** Every command: its arguments and its answer. */
export interface AgentOps {
  /** A fresh context (the previous one, if any, closed) with a PD, a second PD, a CQ and one RC QP. */
  open: { args: { hub: boolean; retryCnt: number; timeout: number; minRnrTimer: number }; result: { endpoint: Endpoint } };
  connect: { args: { remote: Endpoint }; result: null };
  /** Register `size` bytes of `kind` memory filled from `seed`, in the main PD or the other one. */
  register: { args: { kind: MemoryKind; size: number; access: number; seed: number; otherPd: boolean }; result: { outcome: Outcome; slot?: number; addr?: string; rkey?: number } };
  closeMr: { args: { slot: number }; result: null };
  /** Try to take the memory away (structuredClone/postMessage transfer, `ArrayBuffer.prototype.transfer`); answers whether the region still has all its bytes. */
  transfer: { args: { slot: number }; result: { intact: boolean } };
  postRecv: { args: { wrId: number; mr: number; offset: number; length: number }; result: Outcome };
  postSend: { args: { wrs: readonly AgentSendWr[] }; result: Outcome };
  /** Wait until at least `count` completions have arrived (or `timeoutMs`), then answer all that are there. */
  take: { args: { count: number; timeoutMs: number }; result: AgentWc[] };
  /** The bytes of a region's memory as hex (read even after the region closed). */
  bytes: { args: { slot: number }; result: string };
  qpToError: { args: Record<string, never>; result: null };
  closeQp: { args: Record<string, never>; result: null };
  /** Close the context (everything in it). */
  close: { args: Record<string, never>; result: null };
  /** Block this thread's event loop until word 0 of `release` becomes non-zero (at most `ms`); sets word 0 of `started` first. */
  block: { args: { ms: number; started: SharedArrayBuffer; release: SharedArrayBuffer }; result: null };
}

/** One command as sent. */
export interface AgentCommand<K extends keyof AgentOps = keyof AgentOps> {
  readonly id: number;
  readonly op: K;
  readonly args: AgentOps[K]['args'];
}

/** The answer to command `id`. */
export type AgentReply = { readonly id: number; readonly ok: true; readonly value: unknown } | { readonly id: number; readonly ok: false; readonly error: string };
