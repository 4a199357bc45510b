/**
 * The conformance harness: every test here runs unchanged against any
 * provider. The device comes from `VRDMA_TEST_DEVICE` (default: `loop0`, or
 * the first native device when `VRDMA_TEST_PROVIDER=native`).
 */
import { networkInterfaces } from 'node:os';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { peerTransport } from '../../lib/providers/loopback/hub/hub-runtime.js';
import { readShmStats } from '../../lib/providers/loopback/shm/index.js';
import {
  Access, listDevices, openDevice, QpType, type CompletionQueue, type Context, type MemoryRegion,
  type ProtectionDomain, type QueuePair, type WorkCompletion, type ConnectOptions, type QueuePairInit,
} from '../../lib/index.js';

/** The device the suite runs on. */
export function testDeviceName(): string {
  const named = process.env['VRDMA_TEST_DEVICE'];
  if (named) return named;
  if (process.env['VRDMA_TEST_PROVIDER'] === 'native') {
    const native = listDevices().find((d) => d.provider === 'native');
    if (!native) throw new Error('VRDMA_TEST_PROVIDER=native but no native device is present');
    return native.name;
  }
  return 'loop0';
}

/** The provider of the test device. */
export function testProvider(): 'native' | 'loopback' {
  const d = listDevices().find((x) => x.name === testDeviceName());
  return d?.provider ?? 'loopback';
}

/** True when the test device is Soft-RoCE (the kernel's rxe driver). */
export function onRxe(): boolean {
  const d = listDevices().find((x) => x.name === testDeviceName());
  return d?.provider === 'native' && (d.driver === 'rxe' || d.name.startsWith('rxe'));
}

/**
 * Known deviations of Soft-RoCE (Linux 6.1 rdma_rxe) from the InfiniBand
 * specification, observed on rxe0 and reproduced outside the suite. A case
 * listed here is skipped on rxe with this reason in its title.
 */
const RXE_QUIRKS: Record<string, string> = {
  'flush-after-error': 'rxe (Linux 6.1) does not flush a receive posted after the QP entered ERR; posted sends are flushed',
};

/**
 * What loop0's path between processes does not do by design (documented in
 * docs/loopback.md), keyed like the rxe quirks; a case listed here is
 * skipped over that path with this reason in its title.
 */
const PEER_PATH_LIMITS: Record<string, string> = {
  'spin-without-yield': 'between processes, requests and completions arrive on the event loop: a caller that never yields sees none',
};

/**
 * Why a case cannot run on the test device, or null. Sources: the known rxe
 * quirks, the limits of loop0's path between processes when the suite runs
 * over it, and `VRDMA_TEST_SKIP` (comma-separated case ids) for others.
 */
export function skipReason(caseId: string): string | null {
  const extra = (process.env['VRDMA_TEST_SKIP'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (extra.includes(caseId)) return `skipped by VRDMA_TEST_SKIP on ${testDeviceName()}`;
  if (onRxe() && RXE_QUIRKS[caseId]) return `known quirk: ${RXE_QUIRKS[caseId]}`;
  if (overPeerPath() && PEER_PATH_LIMITS[caseId]) return `by design: ${PEER_PATH_LIMITS[caseId]}`;
  return null;
}

/**
 * The statuses a case expects: the specification's, or on rxe the ones rxe
 * (Linux 6.1) reports instead, with the reason shown in the test title.
 */
export function expectedStatuses<T>(spec: T, rxe: { readonly statuses: T; readonly reason: string }): { readonly statuses: T; readonly note: string } {
  return onRxe() ? { statuses: rxe.statuses, note: ` (rxe quirk: ${rxe.reason})` } : { statuses: spec, note: '' };
}

/**
 * True when the suite runs over loop0's path between processes: with
 * `VRDMA_LOOPBACK_SELF_ROUTE=peers` the test contexts join the hub and
 * their QPs reach each other through the process's peer connection to
 * itself, RC payloads through shared memory, as two processes would.
 */
export function overPeerPath(): boolean {
  return testProvider() === 'loopback' && process.env['VRDMA_LOOPBACK_SELF_ROUTE'] === 'peers';
}

/**
 * True when the suite runs over loop0's path between threads: with
 * `VRDMA_LOOPBACK_SELF_ROUTE=threads` the QPs of the (private) test contexts
 * reach each other through the cross-thread transport's ring from the
 * thread to itself, as QPs of two threads would.
 */
export function overThreadPath(): boolean {
  return testProvider() === 'loopback' && process.env['VRDMA_LOOPBACK_SELF_ROUTE'] === 'threads';
}

/** The local ACK timeout code the suite uses at least over a self route: about 537 ms. */
const SELF_ROUTE_MIN_ACK_TIMEOUT = 17;

/**
 * The local ACK timeout code (4.096 us * 2^code) a case asks for, or over a
 * self route (`overPeerPath`, `overThreadPath`) at least 17 (about 537 ms):
 * there an answer crosses a socket or a ring and waits for an event-loop
 * turn, which a loaded machine can delay past the few milliseconds that
 * error cases ask for to fail fast. Cases that compute a bound from the
 * timeout compute it from this value.
 */
export function ackTimeout(code: number): number {
  return overPeerPath() || overThreadPath() ? Math.max(code, SELF_ROUTE_MIN_ACK_TIMEOUT) : code;
}

/**
 * Open the test device: on loopback private to this process, or on the hub
 * when the suite runs over the path between processes (`overPeerPath`).
 */
export function openTestContext(): Promise<Context> {
  return openDevice(testDeviceName(), { hub: overPeerPath() });
}

/** Everything one test needs: a context, a PD, a CQ per side and two connected QPs. */
export interface Pair {
  readonly ctx: Context;
  readonly pd: ProtectionDomain;
  readonly cqA: CompletionQueue;
  readonly cqB: CompletionQueue;
  readonly a: QueuePair;
  readonly b: QueuePair;
  close(): void;
}

/** Build two QPs of `type` on one device and connect them to each other (UD: both to RTS). */
export async function makePair(type: number = QpType.RC, init: Partial<QueuePairInit> = {}, options: ConnectOptions = {}): Promise<Pair> {
  const ctx = await openTestContext();
  if (overPeerPath()) expectPeerPath();
  if (options.timeout === undefined && (overPeerPath() || overThreadPath())) options = { ...options, timeout: ackTimeout(0) };
  return { ctx, ...await pairOn(ctx, type, init, options), close: () => ctx.close() };
}

/** Like `makePair`, on a context the caller opened (and closes). */
export async function pairOn(ctx: Context, type: number = QpType.RC, init: Partial<QueuePairInit> = {}, options: ConnectOptions = {}): Promise<Omit<Pair, 'ctx' | 'close'>> {
  const pd = ctx.allocPd();
  const cqA = ctx.createCq({ depth: 1024 });
  const cqB = ctx.createCq({ depth: 1024 });
  const a = pd.createQp({ maxSendWr: 256, maxRecvWr: 256, ...init, type, sendCq: cqA, recvCq: cqA });
  const b = pd.createQp({ maxSendWr: 256, maxRecvWr: 256, ...init, type, sendCq: cqB, recvCq: cqB });
  if (type === QpType.UD) {
    await a.connect(undefined, options);
    await b.connect(undefined, options);
  } else {
    await a.connect(b.endpoint(), options);
    await b.connect(a.endpoint(), options);
  }
  return { pd, cqA, cqB, a, b };
}

let completionsCollected = 0;
const servedBefore = peerTransport.requestsServed;
const recordsBefore = readShmStats().recordsIn;

/**
 * Over the path between processes the process must be connected to itself,
 * else the QPs would meet directly and the run would prove nothing.
 * @throws Error when that connection is missing.
 */
function expectPeerPath(): void {
  if (peerTransport.connectionCount < 2) throw new Error('VRDMA_LOOPBACK_SELF_ROUTE=peers, but this process has no peer connection to itself');
}

// ...and a file whose work completed must have had its requests cross that connection, or the thread's ring.
afterAll(() => {
  if (completionsCollected === 0) return;
  if (overPeerPath() && peerTransport.requestsServed === servedBefore) {
    throw new Error(`${completionsCollected} completions over the path between processes, but no request crossed the peer connection`);
  }
  if (overThreadPath() && readShmStats().recordsIn === recordsBefore) {
    throw new Error(`${completionsCollected} completions over the path between threads, but no record crossed the ring`);
  }
});

/** Register `size` bytes (filled with `fill`, default 0) with all access rights. */
export function region(pd: ProtectionDomain, size: number, fill = 0, access: number = Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ | Access.REMOTE_ATOMIC): MemoryRegion {
  const bytes = pd.context.allocBuffer(size);
  bytes.fill(fill);
  return pd.registerMemory(bytes, access);
}

/** A deterministic byte pattern. */
export function pattern(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Default time to wait for completions (slow emulated devices need seconds). */
export const WAIT_MS = Number(process.env['VRDMA_TEST_WAIT_MS'] ?? 10_000);

/**
 * Collect exactly `n` completions from `cq`, waiting on the event loop.
 * @throws Error naming what arrived when fewer than `n` come within `timeoutMs`.
 */
export async function collect(cq: CompletionQueue, n: number, timeoutMs = WAIT_MS): Promise<WorkCompletion[]> {
  const out: WorkCompletion[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const got = cq.poll(Math.min(64, n - out.length));
    completionsCollected += got.length;
    out.push(...got);
    if (out.length >= n) break;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(`expected ${n} completions, got ${out.length}: ${JSON.stringify(out.map((w) => [w.wrId, w.status, w.opcode]))}`);
    }
    await Promise.race([cq.wait(), sleep(Math.min(left, 20))]);
  }
  return out;
}

/** Assert that no completion arrives on `cq` within `ms`. Returns what did arrive (should be empty). */
export async function quiet(cq: CompletionQueue, ms = 150): Promise<WorkCompletion[]> {
  await sleep(ms);
  return cq.poll(64);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The error `p` rejects with. @throws Error when it resolves instead. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** Wait (polling every 10 ms) until `ok()` holds. @throws Error when it does not within `timeoutMs`. */
export async function until(ok: () => boolean, timeoutMs = WAIT_MS * 3): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/**
 * An IPv4 address of this host on the test device for CM tests:
 * `VRDMA_TEST_CM_ADDRESS` if set, 127.0.0.1 on loop0, else the address of
 * the device's network interface (from its GID table).
 */
export function cmTestAddress(ctx: Context): string {
  const named = process.env['VRDMA_TEST_CM_ADDRESS'];
  if (named) return named;
  if (ctx.device.provider !== 'native') return '127.0.0.1';
  for (const g of ctx.gidTable(1)) {
    const v4 = (g.netdev ? networkInterfaces()[g.netdev] : undefined)?.find((a) => a.family === 'IPv4');
    if (v4) return v4.address;
  }
  throw new Error(`no IPv4 address on the network interface of ${ctx.device.name}; set VRDMA_TEST_CM_ADDRESS`);
}

let cmPort = 20000 + Math.floor(Math.random() * 9000);
/** A port for one CM test (a fresh one each call, so tests never meet each other's listeners). */
export function cmTestPort(): number {
  cmPort = cmPort >= 29999 ? 20000 : cmPort + 1;
  return cmPort;
}

/**
 * For a test file: the test context, opened before its tests and closed
 * after them, and a list of cleanups run after each test (last first).
 */
export function contextPerFile(): { readonly context: () => Context; readonly cleanups: Array<() => unknown> } {
  let ctx: Context | null = null;
  const cleanups: Array<() => unknown> = [];
  beforeAll(async () => {
    ctx = await openTestContext();
    return () => ctx?.close();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return { context: () => ctx!, cleanups };
}
