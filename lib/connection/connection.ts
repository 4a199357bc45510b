import type { Context } from '../context.js';
import type { ProtectionDomain } from '../protection-domain.js';
import type { QueuePair } from '../queue-pair.js';
import type { CompletionQueue } from '../completion-queue.js';
import type { RemoteMemory } from '../types/endpoint.js';
import type { Sge, SendWorkRequest, WorkCompletion } from '../types/work-request.js';
import { MemoryRegion } from '../memory-region.js';
import { Access } from '../constants/access.js';
import { WrOpcode } from '../constants/wr-opcode.js';
import { WcStatus } from '../constants/wc-status.js';
import { RdmaError } from '../errors/rdma-error.js';
import { ClosedError } from '../errors/closed-error.js';
import { AbortedError } from '../errors/aborted-error.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { WorkCompletionError } from '../errors/work-completion-error.js';
import { checkU64, describe } from '../validate/numbers.js';
import { SlotPool } from './slot-pool.js';
import { WaiterQueue } from './waiter-queue.js';
import { resolveTarget, type RemoteTarget } from './remote-target.js';
import type { Link, LinkGone } from './link.js';
import type { Hello } from './exchange/hello.js';

/** Options every promise-based operation takes. */
export interface OperationOptions {
  /** Give up waiting: before the request is posted nothing is sent; after, the promise rejects at once but the staging slot stays held until the completion arrives. */
  readonly signal?: AbortSignal;
}

/** What `Connection` owns and what it borrows, built before the exchange. */
export interface ConnectionParts {
  readonly context: Context;
  readonly pd: ProtectionDomain;
  readonly cq: CompletionQueue;
  readonly qp: QueuePair;
  readonly staging: MemoryRegion;
  readonly inbox: MemoryRegion;
  readonly regions: readonly MemoryRegion[];
  /** The bytes of the region built for `expose`, or null. */
  readonly memory: Uint8Array | null;
  readonly messageSize: number;
  readonly maxInFlight: number;
  readonly recvDepth: number;
  readonly timeoutMs: number;
  /** Closes what the connection owns (in dependency order); never throws. */
  readonly release: () => void;
}

interface PendingOp {
  readonly slot: number;
  readonly settle: (wc: WorkCompletion) => void;
  readonly fail: (err: Error) => void;
  abandoned: boolean;
}

/** A message waiting in a receive slot. @internal */
export interface Arrival {
  readonly slot: number;
  readonly length: number;
}

/** What a `Connection` is told about its peer when it is set up. @internal */
export type PeerHello = Pick<Hello, 'regions' | 'recvBytes' | 'payload'>;

/** wrIds the connection uses: at and above 2^52 (sends) and 2^52 + 2^51 (receives). */
const SEND_BASE = 2 ** 52;
/** The wrId of the receive in slot 0 (slot i: `RECV_BASE + i`). @internal */
export const RECV_BASE = 2 ** 52 + 2 ** 51;

/**
 * A connected RC queue pair with its memory, from `listen()` or `connect()`.
 * Promise-based `send`/`recv`, `write`/`read` and `fetchAdd`/`compareSwap`
 * move data between the connection's own staging memory (or your regions)
 * and the regions the peer exposed. At most `maxInFlight` operations are in
 * flight; the next one waits for a free slot. The verbs objects (`qp`,
 * `cq`, `pd`, `context`) stay reachable for hot paths.
 *
 * When the peer closes or goes away, the QP is moved to ERR, operations in
 * flight reject with the `WorkCompletionError` of their completion (e.g.
 * `ERR_WC_WR_FLUSH_ERR`, `ERR_WC_RETRY_EXC_ERR`), later ones with
 * `ERR_PEER_GONE`, and everything the connection owns is released.
 * `close()` waits for operations in flight, says goodbye and releases.
 */
export class Connection implements AsyncDisposable, Disposable {
  /** The device context (owned unless it was passed in). */
  readonly context: Context;
  /** The protection domain; register more memory here for zero-copy operations. */
  readonly pd: ProtectionDomain;
  /** The completion queue the connection reads (its own unless a QP was passed in). */
  readonly cq: CompletionQueue;
  /** The RC queue pair, in RTS. */
  readonly qp: QueuePair;
  /** The local regions exposed to the peer, in the order the peer indexes them. */
  readonly regions: readonly MemoryRegion[];
  /**
   * The bytes of the region the connection allocated for `expose` (region
   * 0), or null. They stay readable after the connection ends, when the
   * region itself is deregistered: read what the peer wrote even if it
   * left first.
   */
  readonly memory: Uint8Array | null;
  /** The regions the peer exposed (`region` indexes in a `RemoteTarget`). */
  readonly peerRegions: readonly RemoteMemory[];
  /** The application bytes the peer sent in the exchange. */
  readonly peerPayload: Uint8Array;
  /** Largest message `send()` may send: the peer's receive size. */
  readonly peerMessageSize: number;

  readonly #parts: ConnectionParts;
  readonly #link: Link;
  readonly #slots: SlotPool;
  readonly #pending = new Map<number, PendingOp>();
  readonly #arrivals: Arrival[] = [];
  readonly #recvWaiters = new WaiterQueue<Uint8Array>();
  #nextWrId = SEND_BASE;
  /** Operations accepted and not yet settled (waiting for a slot, or posted). */
  #active = 0;
  #state: 'open' | 'closing' | 'gone' | 'closed' = 'open';
  #failure: RdmaError | null = null;
  #recvFailure: Error | null = null;
  #closing: Promise<void> | null = null;
  #released = false;
  /** Ends the completion reader's wait when the parts are let go. */
  #onRelease: () => void = () => {};
  #drained: (() => void) | null = null;

  /**
   * @internal Use `listen()` or `connect()`.
   * @param arrivals messages already received while setting up, oldest first (their slots not yet posted again).
   */
  constructor(parts: ConnectionParts, link: Link, peer: PeerHello, arrivals: readonly Arrival[] = []) {
    this.#parts = parts;
    this.#link = link;
    this.context = parts.context;
    this.pd = parts.pd;
    this.cq = parts.cq;
    this.qp = parts.qp;
    this.regions = parts.regions;
    this.memory = parts.memory;
    this.peerRegions = peer.regions;
    this.peerPayload = peer.payload;
    this.peerMessageSize = peer.recvBytes;
    this.#slots = new SlotPool(parts.maxInFlight);
    this.#arrivals.push(...arrivals);
    void this.#pump();
    link.watch((gone) => this.#onGone(gone));
  }

  /**
   * Post the connection's receives (before it connects, so the peer never
   * meets an empty receive queue).
   * @internal
   */
  static postReceives(parts: ConnectionParts): void {
    const wrs = [];
    for (let i = 0; i < parts.recvDepth; i++) {
      wrs.push({ wrId: RECV_BASE + i, sgList: [{ mr: parts.inbox, offset: i * parts.messageSize, length: parts.messageSize }] });
    }
    parts.qp.postRecv(wrs);
  }

  /** True once closed, by `close()` or because the peer went away. */
  get closed(): boolean { return this.#state !== 'open'; }
  /** Why the connection ended, when the peer went away; null otherwise. */
  get failure(): RdmaError | null { return this.#failure; }
  /** Operations posted and not yet completed (at most `maxInFlight`). */
  get inFlight(): number { return this.#pending.size; }

  /**
   * Send a message (SEND): bytes are copied into staging memory first; an
   * `Sge` of your own region (in `pd`) is sent from where it is.
   * @throws InvalidArgumentError when the message is larger than the peer's receives (`peerMessageSize`) or the staging slot.
   * @throws WorkCompletionError when the send completes with an error; RdmaError `ERR_PEER_GONE` / ClosedError after the end; AbortedError.
   */
  send(data: Uint8Array | Sge, options: OperationOptions = {}): Promise<void> {
    let length: number;
    try {
      length = byteLength(data);
    } catch (err) {
      return Promise.reject(err);
    }
    if (length > this.peerMessageSize) {
      return Promise.reject(new InvalidArgumentError('data', `${length} bytes exceed the peer's receive size of ${this.peerMessageSize} bytes`));
    }
    return this.#operation('send()', options, data, (slot, wrId, sge) => ({ wrId, opcode: WrOpcode.SEND, sgList: [sge] }), () => undefined);
  }

  /**
   * The next message from the peer, as a copy. Messages wait in the posted
   * receives until read; while none is free the peer's sends wait (RNR).
   * @throws WorkCompletionError when a receive completes with an error (the peer went away: `ERR_WC_WR_FLUSH_ERR`).
   * @throws ClosedError after `close()`; AbortedError when `signal` fires.
   */
  recv(options: OperationOptions = {}): Promise<Uint8Array> {
    const arrival = this.#arrivals.shift();
    if (arrival) return Promise.resolve(this.#take(arrival));
    if (this.#recvFailure) return Promise.reject(this.#recvFailure);
    if (this.#state !== 'open') return Promise.reject(this.#endError());
    return this.#recvWaiters.wait('recv()', options.signal);
  }

  /**
   * RDMA WRITE `data` into the peer's memory at `to`.
   * @throws InvalidArgumentError for a target outside the peer's region or data larger than `messageSize` (pass an `Sge` of your own region for more).
   * @throws WorkCompletionError (e.g. `ERR_WC_REM_ACCESS_ERR`); RdmaError `ERR_PEER_GONE` / ClosedError after the end; AbortedError.
   */
  write(data: Uint8Array | Sge, to: RemoteTarget = {}, options: OperationOptions = {}): Promise<void> {
    let remote: { addr: bigint; rkey: number };
    try {
      remote = resolveTarget('to', to, byteLength(data), this.peerRegions);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#operation('write()', options, data, (slot, wrId, sge) => ({ wrId, opcode: WrOpcode.RDMA_WRITE, remoteAddr: remote.addr, rkey: remote.rkey, sgList: [sge] }), () => undefined);
  }

  /**
   * RDMA READ from the peer's memory at `from`: `into` bytes into staging
   * memory (resolving to a copy), or into your own region's `Sge` (resolving to a view of it).
   * @throws InvalidArgumentError for a range outside the peer's region or a length over `messageSize`.
   * @throws WorkCompletionError; RdmaError `ERR_PEER_GONE` / ClosedError after the end; AbortedError.
   */
  read(from: RemoteTarget, into: number | Sge, options: OperationOptions = {}): Promise<Uint8Array> {
    let remote: { addr: bigint; rkey: number };
    let length = 0;
    try {
      length = typeof into === 'number' ? checkLength('into', into) : byteLength(into);
      remote = resolveTarget('from', from, length, this.peerRegions);
    } catch (err) {
      return Promise.reject(err);
    }
    const target = typeof into === 'number' ? length : into;
    return this.#operation('read()', options, target, (slot, wrId, sge) => ({ wrId, opcode: WrOpcode.RDMA_READ, remoteAddr: remote.addr, rkey: remote.rkey, sgList: [sge] }),
      (sge) => (typeof into === 'number' ? sge.mr.buffer.slice(sge.offset, sge.offset + length) : sge.mr.buffer.subarray(sge.offset, sge.offset + length)));
  }

  /**
   * Atomic fetch-and-add on the 8 aligned bytes at `at` in the peer's memory.
   * @returns the value before the add.
   * @throws InvalidArgumentError for a bad target (unaligned, outside the region) or value.
   * @throws WorkCompletionError; RdmaError `ERR_PEER_GONE` / ClosedError after the end; AbortedError.
   */
  fetchAdd(at: RemoteTarget, add: bigint, options: OperationOptions = {}): Promise<bigint> {
    return this.#atomic('fetchAdd()', at, options, (remote) => ({ opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, compareAdd: checkU64('add', add), ...remote }));
  }

  /**
   * Atomic compare-and-swap on the 8 aligned bytes at `at`: stores `swap` when they equal `compare`.
   * @returns the value before (equal to `compare` when the swap happened).
   * @throws InvalidArgumentError for a bad target or value.
   * @throws WorkCompletionError; RdmaError `ERR_PEER_GONE` / ClosedError after the end; AbortedError.
   */
  compareSwap(at: RemoteTarget, compare: bigint, swap: bigint, options: OperationOptions = {}): Promise<bigint> {
    return this.#atomic('compareSwap()', at, options, (remote) => ({
      opcode: WrOpcode.ATOMIC_CMP_AND_SWP, compareAdd: checkU64('compare', compare), swap: checkU64('swap', swap), ...remote,
    }));
  }

  /**
   * Wait for the operations already asked for, posted or still waiting for
   * a slot (at most `timeoutMs`), tell the peer,
   * and release everything the connection owns. Pending `recv()` calls
   * reject with `ClosedError`. Idempotent; never rejects.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = this.#close();
    return this.#closing;
  }

  /** `await using conn = await connect(...)`: `close()`. */
  [Symbol.asyncDispose](): Promise<void> { return this.close(); }

  /** `using conn = ...`: close at once without waiting for operations in flight (they reject with `ClosedError`). */
  [Symbol.dispose](): void {
    if (this.#released) return;
    this.#link.abort('the peer closed the connection at once');
    this.#end('closed', new ClosedError('Connection'));
    this.#release();
  }

  async #close(): Promise<void> {
    if (this.#state === 'open') this.#state = 'closing';
    this.#failReceivers(new ClosedError('Connection'));
    if (this.#active > 0 && !this.#released) {
      await Promise.race([
        new Promise<void>((resolve) => { this.#drained = resolve; }),
        new Promise<void>((resolve) => setTimeout(resolve, this.#parts.timeoutMs).unref()),
      ]);
    }
    if (!this.#released) await this.#link.finish(this.#parts.timeoutMs);
    this.#end('closed', new ClosedError('Connection'));
    this.#release();
  }

  #atomic(fn: string, at: RemoteTarget, options: OperationOptions, build: (remote: { remoteAddr: bigint; rkey: number }) => Omit<SendWorkRequest, 'wrId' | 'sgList'>): Promise<bigint> {
    let wr: Omit<SendWorkRequest, 'wrId' | 'sgList'>;
    try {
      const remote = resolveTarget('at', at, 8, this.peerRegions);
      if (remote.addr % 8n !== 0n) throw new InvalidArgumentError('at', `atomics need an 8-byte aligned address; ${remote.addr} is not`);
      wr = build({ remoteAddr: remote.addr, rkey: remote.rkey });
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#operation(fn, options, 8, (slot, wrId, sge) => ({ ...wr, wrId, sgList: [sge] }),
      (sge) => Buffer.from(sge.mr.buffer.buffer, sge.mr.buffer.byteOffset + sge.offset, 8).readBigUInt64LE(0));
  }

  /**
   * Take a slot, stage the data, post, and settle on the completion.
   * `data`: bytes to stage, a byte count to leave room for, or the caller's own `Sge`.
   */
  async #operation<T>(fn: string, options: OperationOptions, data: Uint8Array | number | Sge,
    build: (slot: number, wrId: number, sge: Required<Sge>) => SendWorkRequest, result: (sge: Required<Sge>) => T): Promise<T> {
    this.#assertUsable();
    this.#active++;
    try {
      return await this.#post(fn, options, data, build, result);
    } finally {
      this.#active--;
      if (this.#active === 0) this.#drained?.();
    }
  }

  async #post<T>(fn: string, options: OperationOptions, data: Uint8Array | number | Sge,
    build: (slot: number, wrId: number, sge: Required<Sge>) => SendWorkRequest, result: (sge: Required<Sge>) => T): Promise<T> {
    const own = typeof data === 'object' && !(data instanceof Uint8Array) ? this.#checkSge(data) : null;
    const length: number = own !== null ? own.length : typeof data === 'number' ? data : (data as Uint8Array).length;
    if (!own && length > this.#parts.messageSize) {
      throw new InvalidArgumentError('data', `${length} bytes exceed the staging slot of ${this.#parts.messageSize} bytes (options.messageSize); pass an Sge of your own region for more`);
    }
    const slot = await this.#slots.acquire(fn, options.signal);
    if (this.#state !== 'open' && this.#state !== 'closing') {
      this.#slots.release(slot);
      throw this.#endError();
    }
    const staged: Required<Sge> = { mr: this.#parts.staging, offset: slot * this.#parts.messageSize, length };
    if (data instanceof Uint8Array) staged.mr.buffer.set(data, staged.offset);
    const sge = own ?? staged;
    const wrId = this.#nextWrId++;
    if (this.#nextWrId >= RECV_BASE) this.#nextWrId = SEND_BASE;
    return new Promise<T>((resolve, reject) => {
      const signal = options.signal;
      const onAbort = (): void => {
        op.abandoned = true;
        reject(new AbortedError(fn, signal?.reason));
      };
      const op: PendingOp = {
        slot,
        abandoned: false,
        settle: (wc) => {
          signal?.removeEventListener('abort', onAbort);
          if (op.abandoned) return;
          if (wc.status !== WcStatus.SUCCESS) reject(new WorkCompletionError(wc.status, wc.wrId, wc.opcode, wc.vendorErr));
          else {
            try { resolve(result(sge)); } catch (err) { reject(err); }
          }
        },
        fail: (err) => {
          signal?.removeEventListener('abort', onAbort);
          if (!op.abandoned) reject(err);
        },
      };
      this.#pending.set(wrId, op);
      try {
        this.qp.postSend(build(slot, wrId, sge));
      } catch (err) {
        this.#pending.delete(wrId);
        this.#slots.release(slot);
        reject(err);
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #checkSge(s: Sge): Required<Sge> {
    if (!(s.mr instanceof MemoryRegion)) throw new InvalidArgumentError('data.mr', `must be a MemoryRegion, got ${describe(s.mr)}`);
    if (s.mr.pd !== this.pd) throw new InvalidArgumentError('data.mr', "must belong to the connection's protection domain (connection.pd)");
    const offset = s.offset ?? 0;
    return { mr: s.mr, offset, length: s.length ?? s.mr.length - offset };
  }

  #assertUsable(): void {
    if (this.#state !== 'open') throw this.#endError();
  }

  #endError(): RdmaError {
    if (this.#state === 'gone' && this.#failure) return new RdmaError('ERR_PEER_GONE', `the peer is gone: ${this.#failure.message}`, { cause: this.#failure });
    return new ClosedError('Connection');
  }

  /**
   * Read completions until the connection lets go of its parts (or the CQ
   * closes). A CQ that is the caller's (`options.qp`) is theirs again then:
   * nothing of it is read after that.
   */
  async #pump(): Promise<void> {
    const cq = this.#parts.cq;
    const released = new Promise<void>((resolve) => { this.#onRelease = resolve; });
    for (;;) {
      if (this.#released) return;
      let wcs: WorkCompletion[];
      try {
        wcs = cq.poll(64);
        if (wcs.length === 0) {
          await Promise.race([cq.wait(), released]);
          continue;
        }
      } catch (err) {
        if (!this.#released) this.#onGone({ graceful: false, reason: err instanceof RdmaError ? err : new RdmaError('ERR_PEER_GONE', String(err)) });
        return;
      }
      for (const wc of wcs) this.#dispatch(wc);
    }
  }

  #dispatch(wc: WorkCompletion): void {
    if (wc.wrId >= RECV_BASE) {
      const slot = wc.wrId - RECV_BASE;
      if (wc.status !== WcStatus.SUCCESS) {
        this.#recvFailure ??= new WorkCompletionError(wc.status, wc.wrId, wc.opcode, wc.vendorErr);
        this.#failReceivers(this.#recvFailure);
        return;
      }
      const arrival = { slot, length: wc.byteLen };
      if (this.#recvWaiters.length > 0) this.#recvWaiters.give(this.#take(arrival));
      else this.#arrivals.push(arrival);
      return;
    }
    const op = this.#pending.get(wc.wrId);
    if (!op) return;
    this.#pending.delete(wc.wrId);
    op.settle(wc);
    this.#slots.release(op.slot);
  }

  /** Copy a message out of its receive slot and post the slot again. */
  #take(a: Arrival): Uint8Array {
    const offset = a.slot * this.#parts.messageSize;
    const copy = this.#parts.inbox.buffer.slice(offset, offset + a.length);
    if (this.#state === 'open') {
      try {
        this.qp.postRecv({ wrId: RECV_BASE + a.slot, sgList: [{ mr: this.#parts.inbox, offset, length: this.#parts.messageSize }] });
      } catch {
        // the QP went to ERR or closed meanwhile: the next recv() learns why
      }
    }
    return copy;
  }

  #failReceivers(err: Error): void {
    this.#recvWaiters.failAll(err);
  }

  /**
   * The peer said DONE or vanished. A graceful peer waits for our answer:
   * let the operations already posted complete first. Then the QP goes to
   * ERR (flushing what is left and the posted receives), the flushes are
   * delivered, and everything the connection owns is released.
   */
  #onGone(gone: LinkGone): void {
    if (this.#state === 'closed' || this.#state === 'gone' || this.#released) return;
    if (this.#state === 'closing' && gone.graceful) return;
    this.#failure = gone.reason;
    this.#state = 'gone';
    this.#slots.failWaiters(this.#endError());
    const toError = (): void => {
      try {
        if (!this.qp.closed) this.qp.toError();
      } catch {
        // already closed
      }
    };
    if (!gone.graceful) toError();
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      toError();
      this.#deliverReady();
      if (gone.graceful) void this.#link.finish(this.#parts.timeoutMs);
      this.#end('gone', this.#endError());
      this.#release();
    };
    if (this.#active === 0) { setImmediate(finish); return; }
    this.#drained = finish;
    setTimeout(finish, this.#parts.timeoutMs).unref();
  }

  /** Dispatch every completion the CQ holds now (the flushes, before the CQ closes). */
  #deliverReady(): void {
    try {
      for (let wcs = this.cq.poll(64); wcs.length > 0; wcs = this.cq.poll(64)) for (const wc of wcs) this.#dispatch(wc);
    } catch {
      // closed or overrun: what is left is rejected by #end
    }
  }

  /** Reject what is still waiting with `err`. */
  #end(state: 'gone' | 'closed', err: RdmaError): void {
    if (this.#state !== 'gone') this.#state = state;
    this.#slots.failWaiters(err);
    for (const op of this.#pending.values()) op.fail(err);
    this.#pending.clear();
    this.#failReceivers(this.#recvFailure ?? err);
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#onRelease();
    this.#parts.release();
  }
}

function byteLength(data: Uint8Array | Sge): number {
  if (data instanceof Uint8Array) return data.length;
  if (data === null || typeof data !== 'object' || !(data.mr instanceof MemoryRegion)) throw new InvalidArgumentError('data', `must be a Uint8Array or an Sge of your own region, got ${describe(data)}`);
  return data.length ?? data.mr.length - (data.offset ?? 0);
}

function checkLength(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(name, `must be a byte count (an integer >= 0), got ${describe(n)}`);
  return n;
}

/** The access a connection's exposed region gets. */
export const EXPOSED_ACCESS = Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ | Access.REMOTE_ATOMIC;
