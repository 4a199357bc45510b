import type { Endpoint, RemoteMemory } from '../../lib/index.js';
import type { PollMode } from './pacer.js';

/** The tests: perftest's send/write latency and write/send bandwidth. */
export type TestKind = 'send_lat' | 'write_lat' | 'write_bw' | 'send_bw';

export const LATENCY_TESTS: readonly TestKind[] = ['send_lat', 'write_lat'];
export const BANDWIDTH_TESTS: readonly TestKind[] = ['write_bw', 'send_bw'];

/** One test as the initiator asks the target to take part in it. */
export interface RunSpec {
  readonly kind: TestKind;
  readonly size: number;
  /** Messages in all, warm-up included. */
  readonly total: number;
  /** Bandwidth: work requests in flight. */
  readonly window: number;
  /** Bandwidth: work requests per `postSend` call (one signaled). */
  readonly batch: number;
  /** How the target waits for completions. */
  readonly mode: PollMode;
  readonly timeoutMs: number;
}

/** What one side tells the other to connect and to write into its memory. */
export interface PeerInfo {
  readonly endpoint: Endpoint;
  /** The area the peer may RDMA-write into. */
  readonly memory: RemoteMemory;
}

/** Control messages between the initiator and a target in another thread or process. */
export type ControlMessage =
  | { readonly t: 'hello'; readonly info: PeerInfo }
  | { readonly t: 'connected' }
  | { readonly t: 'run'; readonly spec: RunSpec }
  | { readonly t: 'ready' }
  | { readonly t: 'done'; readonly lostWakeups: number }
  | { readonly t: 'failed'; readonly message: string }
  | { readonly t: 'bye' };

const TAGS = new Set(['hello', 'connected', 'run', 'ready', 'done', 'failed', 'bye']);

/** A shallow check that a value received from a peer is a control message. */
export function isControlMessage(value: unknown): value is ControlMessage {
  if (value === null || typeof value !== 'object') return false;
  const t = (value as { t?: unknown }).t;
  return typeof t === 'string' && TAGS.has(t);
}
