import type { AsyncEvent } from '../../types/device.js';
import { fabric } from './fabric.js';
import { Syndrome, type Link, type RequestPacket, type ResponsePacket } from './packets.js';
import type { LoopMr } from './mr.js';
import type { LoopQp } from './qp.js';
import { QpType } from '../../constants/qp.js';
import type { CmClient } from './cm/cm-client.js';
import { localCmClient } from './cm/local-switchboard.js';
import { DEFAULT_PKEY } from '../../constants/pkey.js';

/** Something that retransmits once a wait (after an RNR NAK or a lost request) is over. */
export interface RetryWaiter {
  /** Retransmit when the wait is over at `now` (`performance.now()`). */
  retryIfDue(now: number): void;
}

/**
 * How a node reaches the nodes of its own thread when they are to be reached
 * as nodes elsewhere are (`VRDMA_LOOPBACK_SELF_ROUTE`): through a transport
 * that connects the thread or process to itself.
 */
export interface SelfRouter {
  /** The link to this thread's node `gid` through that transport, or null. */
  route(gid: string): Link | null;
  /** Set the transport's connection to itself up. */
  connect(): Promise<void>;
}

/** First address handed to loopback regions (looks like a user-space VA). */
const ADDRESS_BASE = 0x7f00_0000_0000n;

/**
 * One port on the loopback fabric: the node an open `loop0` context is. It
 * keeps the QP table and the regions by rkey, and places each arriving
 * request with the QP it names.
 */
export class LoopNode {
  readonly gid: string;
  readonly lid: number;
  readonly qps = new Map<number, LoopQp>();
  readonly mrs = new Map<number, LoopMr>();
  /** Requesters waiting to retransmit (RNR wait) or for an answer (local ACK timer); polled so spinning threads retry too. */
  readonly rnrWaiting = new Set<RetryWaiter>();
  #nextQpn: number;
  #nextKey = 1;
  #nextAddr = ADDRESS_BASE;
  #nextPd = 1;
  /** The P_Key table (index 0 the default partition); set by the context. */
  pkeys: readonly number[] = [DEFAULT_PKEY];
  /** Where async events go (the context). */
  onAsyncEvent: (event: AsyncEvent) => void = () => {};
  /**
   * Not announced to peers yet: a node taking over a QP from another
   * process stays hidden until the hub has given it the LID.
   */
  hidden = false;
  /** Its LID now belongs to another process (its QP moved there): closing it tells no peer that it went away. */
  movedAway = false;
  /** QPN, key and address the next allocations take (a QP moved here keeps them). */
  #presetQpn: number | null = null;
  #presetKey: number | null = null;
  #presetAddr: bigint | null = null;

  constructor(gid: string, lid: number, qpnBase: number) {
    this.gid = gid;
    this.lid = lid;
    this.#nextQpn = qpnBase;
  }

  /** A free QP number (24 bits, never 0 or 1). */
  allocQpn(): number {
    const preset = this.#presetQpn;
    if (preset !== null) {
      this.#presetQpn = null;
      if (!this.qps.has(preset)) return preset;
    }
    for (let i = 0; i < 0x100_0000; i++) {
      const qpn = this.#nextQpn;
      this.#nextQpn = qpn >= 0xff_ffff ? 2 : qpn + 1;
      if (qpn >= 2 && !this.qps.has(qpn)) return qpn;
    }
    throw new Error('loopback: out of QP numbers');
  }

  /** A fresh memory key: a counter in the high 24 bits and a random low byte, so stale keys rarely match. */
  allocKey(): number {
    const preset = this.#presetKey;
    if (preset !== null) {
      this.#presetKey = null;
      if (!this.mrs.has(preset)) return preset;
    }
    for (;;) {
      const key = (((this.#nextKey++ & 0xff_ffff) << 8) | Math.floor(Math.random() * 256)) >>> 0;
      if (key !== 0 && !this.mrs.has(key)) return key;
    }
  }

  /** A made-up, page-aligned address range for a region of `length` bytes. */
  allocAddress(length: number): bigint {
    const preset = this.#presetAddr;
    this.#presetAddr = null;
    const addr = preset ?? this.#nextAddr;
    const end = addr + BigInt(Math.ceil(length / 4096) * 4096 + 4096);
    if (end > this.#nextAddr) this.#nextAddr = end;
    return addr;
  }

  /** The next QP created here gets `qpn` (when free): a QP moved from another process keeps its number. */
  presetQpn(qpn: number): void {
    this.#presetQpn = qpn;
  }

  /** The next region registered here gets `key` (when free) and `addr`: a region moved with its QP keeps them. */
  presetRegion(key: number, addr: bigint): void {
    this.#presetKey = key;
    this.#presetAddr = addr;
  }

  allocPdId(): number {
    return this.#nextPd++;
  }

  /** The CM client this node's CM ids use: this thread's own switchboard (a hub node: the hub's). */
  cmClient(): CmClient {
    return localCmClient();
  }

  /** Set when this thread's nodes are reached through a transport, not directly (`VRDMA_LOOPBACK_SELF_ROUTE`). */
  selfRouter: SelfRouter | null = null;

  /** The way to node `gid`; with a self router, nodes of this thread are reached through it only. */
  route(gid: string): Link | null {
    const self = this.selfRouter;
    if (self !== null && fabric.local(gid) !== undefined) return self.route(gid);
    return fabric.route(gid);
  }

  /** Like `route`, setting up a way first when one can be made (the self router's connection included). */
  async resolve(gid: string): Promise<Link | null> {
    const self = this.selfRouter;
    if (self === null || fabric.local(gid) === undefined) return fabric.resolve(gid);
    await self.connect();
    return self.route(gid);
  }

  deliverRequest(pkt: RequestPacket): void {
    const qp = this.qps.get(pkt.dstQpn);
    if (qp) {
      qp.onRequest(pkt);
      return;
    }
    if (pkt.qpType !== QpType.UD) this.respond(pkt, Syndrome.NO_RESPONDER);
  }

  deliverResponse(pkt: ResponsePacket): void {
    this.qps.get(pkt.dstQpn)?.onResponse(pkt);
  }

  /** Send a bare NAK/ACK back to the requester of `pkt`. */
  respond(pkt: RequestPacket, syndrome: number): void {
    this.route(pkt.srcGid)?.sendResponse({ dstQpn: pkt.srcQpn, psn: pkt.psn, syndrome, rnrDelayMs: 0, data: null, atomicOrig: 0n });
  }

  /**
   * Retransmit for every QP whose RNR wait or local ACK timeout is over.
   * Called on every poll (no copy of the set: a waiter that leaves or comes
   * back while it runs is simply visited again, and finds nothing due).
   */
  retryDue(): void {
    if (this.rnrWaiting.size === 0) return;
    const now = performance.now();
    for (const waiter of this.rnrWaiting) waiter.retryIfDue(now);
  }

  /** A remote node is gone: every QP connected to it fails. */
  peerLost(gid: string, reason: string): void {
    for (const qp of [...this.qps.values()]) {
      if (qp.remote?.gid === gid) qp.fail(reason);
    }
  }
}
