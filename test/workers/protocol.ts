/**
 * The commands the test harness sends to a peer worker (`peer-worker.ts`)
 * and what each answers. Values cross `postMessage`, so 64-bit numbers
 * travel as decimal strings.
 */
import type { Endpoint, RemoteMemory, WorkCompletion } from '../../lib/index.js';
import type { ShmStats } from '../../lib/providers/loopback/shm/index.js';

/** A scatter/gather element naming a region of the worker by name. */
export interface WireSge {
  readonly mr: string;
  readonly offset?: number;
  readonly length?: number;
}

/** A send work request; `opcode` is a `WrOpcode` value. */
export interface WireSendWr {
  readonly wrId: number;
  readonly opcode: number;
  readonly sges?: readonly WireSge[];
  readonly remoteAddr?: string;
  readonly rkey?: number;
  readonly compareAdd?: string;
  readonly swap?: string;
  readonly imm?: number;
  readonly signaled?: boolean;
}

/** How to wait for completions. */
export type PollMode = 'spin' | 'await';

/** Every command: its arguments and its answer. */
export interface Ops {
  /** Open loop0: without a hub unless `hubAddress` is given. */
  open: { args: { cqDepth?: number; hubAddress?: string }; result: { gid: string } };
  qp: { args: { name: string; type?: number; maxSendWr?: number; maxRecvWr?: number; maxSge?: number }; result: Endpoint };
  connect: { args: { name: string; remote: Endpoint | null; rnrRetry?: number; minRnrTimer?: number }; result: null };
  mr: { args: { name: string; size: number; shared: boolean; access: number; seed?: number }; result: { remote: RemoteMemory; sab: SharedArrayBuffer | null } };
  recv: { args: { qp: string; wrs: ReadonlyArray<{ wrId: number; sges: readonly WireSge[] }> }; result: null };
  send: { args: { qp: string; wrs: readonly WireSendWr[] }; result: null };
  poll: { args: { count: number; timeoutMs: number; mode: PollMode }; result: WorkCompletion[] };
  bytes: { args: { mr: string; offset: number; length: number }; result: Uint8Array };
  state: { args: { qp: string }; result: string };
  stats: { args: { reset?: boolean }; result: ShmStats };
  close: { args: Record<string, never>; result: null };
  /** Post `iters` FETCH_AND_ADD of `add` to `remote` one at a time, spinning; answers the values fetched. */
  faa: { args: { qp: string; mr: string; remote: RemoteMemory; iters: number; add: string }; result: string[] };
  /** Post the receives of a ping-pong. */
  pingprep: { args: { qp: string; mr: string; size: number }; result: null };
  /** Spin-polled ping-pong of `size`-byte sends (`initiator` sends first); answers the mean round trip in ns. */
  pingpong: { args: { qp: string; mr: string; size: number; iters: number; initiator: boolean }; result: number };
  /** Post `iters` signaled RDMA WRITEs of `size` bytes, `window` in flight, spinning; answers bytes per second. */
  writeBw: { args: { qp: string; mr: string; remote: RemoteMemory; size: number; iters: number; window: number }; result: number };
  /** Keep the thread busy (event loop blocked, no polling) for `ms`; sets word 0 of `started` first. */
  block: { args: { ms: number; started?: SharedArrayBuffer; release?: SharedArrayBuffer }; result: null };
  /** End the thread with `process.exit(0)` (never answers). */
  exit: { args: Record<string, never>; result: null };
}

/** A command as posted to the worker. */
export interface Command<K extends keyof Ops = keyof Ops> {
  readonly id: number;
  readonly op: K;
  readonly args: Ops[K]['args'];
}

/** The worker's answer to command `id`. */
export type Reply = { readonly id: number; readonly ok: true; readonly value: unknown } | { readonly id: number; readonly ok: false; readonly error: string; readonly code?: string };
