import type { ConnectSpec, QpBackend, QpInitSpec, RecvWrSpec, SendWrSpec, SgeSpec } from '../../provider/spi.js';
import type { Endpoint } from '../../types/endpoint.js';
import { ENDPOINT_VERSION } from '../../types/endpoint.js';
import { QpState, QpType } from '../../constants/qp.js';
import { WcStatus } from '../../constants/wc-status.js';
import { WcFlags, WcOpcode } from '../../constants/wc-opcode.js';
import { SendFlags, WrOpcode } from '../../constants/wr-opcode.js';
import { Mtu, mtuBytes } from '../../constants/port.js';
import { AsyncEventType } from '../../constants/async-event.js';
import { RdmaError } from '../../errors/rdma-error.js';
import type { LoopCq } from './cq.js';
import type { LoopSrq } from './srq.js';
import type { LoopNode } from './node.js';
import { LoopAh } from './ah.js';
import { Syndrome, type RequestPacket, type ResponsePacket } from './packets.js';
import { BytesPayload, EMPTY_PAYLOAD, SgePayload, scatter, snapshot, type Payload } from './payload.js';
import { badState, queueFull } from './errors.js';
import { executeRequest } from './responder.js';
import { ackTimeoutMs, rnrDelayMs } from './rnr-timer.js';

/** The loopback port MTU. */
export const LOOP_MTU = Mtu.MTU_4096;
/** Bytes of the GRH in front of every UD receive. */
export const GRH_BYTES = 40;

interface SendEntry {
  readonly wr: SendWrSpec;
  readonly psn: number;
  readonly payload: Payload;
}

const WC_OPCODE_OF: Record<number, number> = {
  [WrOpcode.SEND]: WcOpcode.SEND,
  [WrOpcode.SEND_WITH_IMM]: WcOpcode.SEND,
  [WrOpcode.RDMA_WRITE]: WcOpcode.RDMA_WRITE,
  [WrOpcode.RDMA_WRITE_WITH_IMM]: WcOpcode.RDMA_WRITE,
  [WrOpcode.RDMA_READ]: WcOpcode.RDMA_READ,
  [WrOpcode.ATOMIC_CMP_AND_SWP]: WcOpcode.COMP_SWAP,
  [WrOpcode.ATOMIC_FETCH_AND_ADD]: WcOpcode.FETCH_ADD,
};

/**
 * A loopback queue pair: the requester (send queue, ordering, RNR retry,
 * error and flush) and the responder state (receive queue, expected PSN).
 * Requests to a QP in this thread execute synchronously inside `postSend`.
 */
export class LoopQp implements QpBackend {
  readonly qpn: number;
  readonly type: number;
  readonly pdId: number;
  readonly sendCq: LoopCq;
  readonly recvCq: LoopCq;
  readonly srq: LoopSrq | null;
  readonly access: number;
  readonly qkey: number;
  readonly #node: LoopNode;
  readonly #maxSendWr: number;
  readonly #maxRecvWr: number;
  readonly #initialPsn: number;
  #state: number = QpState.INIT;
  #spec: ConnectSpec | null = null;
  remoteGid: string | null = null;
  remoteQpn = 0;
  remoteLid = 0;

  /** Outstanding sends from `#sqHead` on; completed slots are nulled so their buffers can be collected. */
  #sq: Array<SendEntry | null> = [];
  #sqHead = 0;
  #nextSend = 0;
  #sendPsn = 0;
  #rq: RecvWrSpec[] = [];
  #rqHead = 0;
  /** Responder: the next PSN it will execute. */
  expectedPsn = 0;
  #rnrLeft = 0;
  #retryLeft = 0;
  #rnrTimer: NodeJS.Timeout | null = null;
  #rnrDue = 0;
  #pumping = false;
  #pumpAgain = false;

  constructor(node: LoopNode, pdId: number, init: QpInitSpec) {
    this.#node = node;
    this.pdId = pdId;
    this.type = init.type;
    this.sendCq = init.sendCq as LoopCq;
    this.recvCq = init.recvCq as LoopCq;
    this.srq = init.srq as LoopSrq | null;
    this.access = init.access;
    this.qkey = init.qkey;
    this.#maxSendWr = init.maxSendWr;
    this.#maxRecvWr = init.maxRecvWr;
    this.qpn = node.allocQpn();
    this.#initialPsn = Math.floor(Math.random() * 0x100_0000);
    node.qps.set(this.qpn, this);
  }

  get node(): LoopNode { return this.#node; }
  state(): number { return this.#state; }
  /** Responder's RNR NAK delay. */
  get rnrDelayMs(): number { return rnrDelayMs(this.#spec?.minRnrTimer ?? 12); }

  endpoint(): Endpoint {
    return {
      v: ENDPOINT_VERSION, provider: 'loopback', lid: this.#node.lid, gid: this.#node.gid, gidIndex: 0,
      qpn: this.qpn, psn: this.#initialPsn, qpType: this.type, ...(this.type === QpType.UD ? { qkey: this.qkey } : {}),
      mtu: LOOP_MTU, port: 1,
    };
  }

  async connect(remote: Endpoint | null, spec: ConnectSpec): Promise<void> {
    if (remote) {
      const link = await this.#node.resolve(remote.gid);
      if (!link) {
        throw new RdmaError('ERR_UNREACHABLE', `no loopback node with GID ${remote.gid} is reachable from here (the peer must use loop0 on this host, through the same hub, or in this process)`);
      }
      this.remoteGid = remote.gid;
      this.remoteQpn = remote.qpn;
      this.remoteLid = remote.lid;
      this.expectedPsn = remote.psn;
    }
    this.#spec = spec;
    this.#sendPsn = this.#initialPsn;
    this.#rnrLeft = spec.rnrRetry;
    this.#retryLeft = spec.retryCnt;
    this.#state = QpState.RTS;
  }

  postSend(wrs: readonly SendWrSpec[]): void {
    const state = this.#state;
    if (state !== QpState.RTS && state !== QpState.ERR) throw badState(this.qpn, state);
    if (this.#sq.length - this.#sqHead + wrs.length > this.#maxSendWr) throw queueFull('ibv_post_send', 'send queue', this.#maxSendWr);
    for (const wr of wrs) {
      let payload: Payload = EMPTY_PAYLOAD;
      if (wr.opcode !== WrOpcode.RDMA_READ && wr.opcode !== WrOpcode.ATOMIC_CMP_AND_SWP && wr.opcode !== WrOpcode.ATOMIC_FETCH_AND_ADD && wr.length > 0) {
        payload = new SgePayload(wr.sgList, wr.length);
        if (wr.flags & SendFlags.INLINE) payload = new BytesPayload(snapshot(payload));
      }
      this.#sq.push({ wr, psn: this.#sendPsn++, payload });
    }
    if (state === QpState.ERR) this.#flushSend();
    else this.#pump();
  }

  postRecv(wrs: readonly RecvWrSpec[]): void {
    if (this.#state === QpState.RESET) throw badState(this.qpn, this.#state);
    if (this.#rq.length - this.#rqHead + wrs.length > this.#maxRecvWr) throw queueFull('ibv_post_recv', 'receive queue', this.#maxRecvWr);
    for (const wr of wrs) this.#rq.push(wr);
    if (this.#state === QpState.ERR) this.#flushRecv();
  }

  toError(): void {
    this.#enterError();
  }

  /** The peer is gone: the oldest outstanding send fails with RETRY_EXC_ERR, the rest flush. */
  fail(reason: string): void {
    if (this.#state === QpState.ERR || this.#state === QpState.RESET) return;
    const head = this.#sq[this.#sqHead];
    if (head) this.#completeSend(head, WcStatus.RETRY_EXC_ERR, true);
    this.#enterError();
    this.#node.onAsyncEvent({ type: AsyncEventType.QP_FATAL, typeName: 'QP_FATAL', qpn: this.qpn, detail: reason });
  }

  close(): void {
    if (this.#rnrTimer) clearTimeout(this.#rnrTimer);
    this.#rnrTimer = null;
    this.#node.rnrWaiting.delete(this);
    this.#state = QpState.RESET;
    this.#sq = [];
    this.#rq = [];
    this.#sqHead = this.#nextSend = this.#rqHead = 0;
    if (this.#node.qps.get(this.qpn) === this) this.#node.qps.delete(this.qpn);
  }

  // ---- requester ----

  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        while (this.#state === QpState.RTS && this.#rnrTimer === null && this.#nextSend < this.#sq.length) {
          const e = this.#sq[this.#nextSend++]!;
          this.#transmit(e);
        }
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
  }

  #transmit(e: SendEntry): void {
    const wr = e.wr;
    if (!this.#localOk(wr.sgList)) {
      this.#completeSend(e, WcStatus.LOC_PROT_ERR, true);
      this.#enterError();
      return;
    }
    if (this.type === QpType.UD) {
      const ah = wr.ah as LoopAh;
      if (wr.length > mtuBytes(LOOP_MTU)) {
        this.#completeSend(e, WcStatus.LOC_LEN_ERR, true);
        this.#enterError();
        return;
      }
      this.#node.route(ah.gid)?.sendRequest(this.#packet(e, wr.remoteQpn, wr.remoteQkey));
      this.#completeSend(e, WcStatus.SUCCESS, false);
      return;
    }
    const link = this.remoteGid === null ? null : this.#node.route(this.remoteGid);
    if (!link) {
      this.#completeSend(e, WcStatus.RETRY_EXC_ERR, true);
      this.#enterError();
      return;
    }
    if (this.type === QpType.UC) {
      link.sendRequest(this.#packet(e, this.remoteQpn, 0));
      this.#completeSend(e, WcStatus.SUCCESS, false);
      return;
    }
    link.sendRequest(this.#packet(e, this.remoteQpn, 0));
  }

  #packet(e: SendEntry, dstQpn: number, qkey: number): RequestPacket {
    const wr = e.wr;
    return {
      srcGid: this.#node.gid, srcLid: this.#node.lid, srcQpn: this.qpn, dstQpn, psn: e.psn, opcode: wr.opcode,
      payload: e.payload, imm: wr.imm, remoteAddr: wr.remoteAddr, rkey: wr.rkey,
      readLength: wr.opcode === WrOpcode.RDMA_READ ? wr.length : 0,
      compareAdd: wr.compareAdd, swap: wr.swap, qkey, qpType: this.type, solicited: (wr.flags & SendFlags.SOLICITED) !== 0,
    };
  }

  onResponse(resp: ResponsePacket): void {
    if (this.#state !== QpState.RTS || this.type !== QpType.RC) return;
    const e = this.#sq[this.#sqHead];
    if (!e || e.psn !== resp.psn || this.#sqHead >= this.#nextSend) return;
    switch (resp.syndrome) {
      case Syndrome.ACK:
        this.#finish(e, resp);
        this.#rnrLeft = this.#spec!.rnrRetry;
        this.#retryLeft = this.#spec!.retryCnt;
        this.#completeSend(e, WcStatus.SUCCESS, false);
        this.#pump();
        return;
      case Syndrome.RNR:
        if (this.#spec!.rnrRetry === 7 || this.#rnrLeft-- > 0) {
          this.#waitThenResend(resp.rnrDelayMs);
          return;
        }
        this.#failHead(e, WcStatus.RNR_RETRY_EXC_ERR);
        return;
      case Syndrome.REM_ACCESS:
        this.#failHead(e, WcStatus.REM_ACCESS_ERR);
        return;
      case Syndrome.REM_INV_REQ:
        this.#failHead(e, WcStatus.REM_INV_REQ_ERR);
        return;
      case Syndrome.REM_OP:
        this.#failHead(e, WcStatus.REM_OP_ERR);
        return;
      default:
        // No responder (QP not yet at RTR, in error, or gone): like a lost
        // packet, retransmit after the local ACK timeout, retryCnt times.
        if (this.#retryLeft-- > 0) {
          this.#waitThenResend(ackTimeoutMs(this.#spec!.timeout));
          return;
        }
        this.#failHead(e, WcStatus.RETRY_EXC_ERR);
    }
  }

  /** Go back to the oldest unacknowledged request and resend from there after `ms`. */
  #waitThenResend(ms: number): void {
    this.#nextSend = this.#sqHead;
    this.#rnrDue = performance.now() + ms;
    this.#rnrTimer = setTimeout(() => this.#resumeAfterRnr(), ms);
    this.#node.rnrWaiting.add(this);
  }

  /**
   * Retransmit after an RNR wait once it is due. Called by the timer, and by
   * every poll (so a thread that spins without yielding still retries).
   */
  retryIfDue(now: number): void {
    if (this.#rnrTimer !== null && now >= this.#rnrDue) this.#resumeAfterRnr();
  }

  #resumeAfterRnr(): void {
    if (this.#rnrTimer !== null) clearTimeout(this.#rnrTimer);
    this.#rnrTimer = null;
    this.#node.rnrWaiting.delete(this);
    this.#pump();
  }

  #failHead(e: SendEntry, status: number): void {
    this.#completeSend(e, status, true);
    this.#enterError();
  }

  /** Store what an RDMA read or atomic brought back. */
  #finish(e: SendEntry, resp: ResponsePacket): void {
    const wr = e.wr;
    if (wr.opcode === WrOpcode.RDMA_READ && resp.data) {
      scatter(resp.data, wr.sgList);
    } else if (wr.opcode === WrOpcode.ATOMIC_CMP_AND_SWP || wr.opcode === WrOpcode.ATOMIC_FETCH_AND_ADD) {
      const sge = wr.sgList[0]!;
      const b = sge.mr.bytes;
      new DataView(b.buffer, b.byteOffset + sge.offset, 8).setBigUint64(0, resp.atomicOrig, true);
    }
  }

  /** Complete the oldest send entry (in order). Unsignaled successes leave no completion. */
  #completeSend(e: SendEntry, status: number, always: boolean): void {
    if (this.#sq[this.#sqHead] === e) this.#sq[this.#sqHead++] = null;
    if (this.#nextSend < this.#sqHead) this.#nextSend = this.#sqHead;
    const wr = e.wr;
    if (always || status !== WcStatus.SUCCESS || (wr.flags & SendFlags.SIGNALED) !== 0) {
      this.sendCq.push({
        wrId: wr.wrId, status, opcode: WC_OPCODE_OF[wr.opcode] ?? WcOpcode.SEND, byteLen: wr.length,
        imm: 0, qpNum: this.qpn, srcQp: 0, wcFlags: 0, slid: 0,
      });
    }
    if (this.#sqHead > 1024 && this.#sqHead * 2 > this.#sq.length) {
      this.#sq = this.#sq.slice(this.#sqHead);
      this.#nextSend -= this.#sqHead;
      this.#sqHead = 0;
    }
  }

  #localOk(sges: readonly SgeSpec[]): boolean {
    for (const s of sges) {
      const mr = s.mr as { pdId?: number; closed?: boolean };
      if (mr.pdId !== this.pdId || mr.closed) return false;
    }
    return true;
  }

  // ---- responder ----

  onRequest(pkt: RequestPacket): void {
    if (pkt.qpType !== this.type) return;
    const state = this.#state;
    if (this.type === QpType.RC) {
      if (state !== QpState.RTS && state !== QpState.RTR) {
        this.#node.respond(pkt, Syndrome.NO_RESPONDER);
        return;
      }
      if (pkt.srcGid !== this.remoteGid || pkt.srcQpn !== this.remoteQpn) return;
      if (pkt.psn > this.expectedPsn) return;
      if (pkt.psn < this.expectedPsn) {
        this.#node.respond(pkt, Syndrome.ACK);
        return;
      }
    } else if (state !== QpState.RTS && state !== QpState.RTR) {
      return;
    } else if (this.type === QpType.UD && pkt.qkey !== this.qkey) {
      return;
    } else if (this.type === QpType.UC && (pkt.srcGid !== this.remoteGid || pkt.srcQpn !== this.remoteQpn)) {
      return;
    }
    executeRequest(this, pkt);
  }

  /** Responder: the next receive request, from the SRQ or the QP's own queue. */
  takeRecv(): RecvWrSpec | undefined {
    if (this.srq) return this.srq.take();
    if (this.#rqHead >= this.#rq.length) return undefined;
    const wr = this.#rq[this.#rqHead++]!;
    if (this.#rqHead > 1024 && this.#rqHead * 2 > this.#rq.length) {
      this.#rq = this.#rq.slice(this.#rqHead);
      this.#rqHead = 0;
    }
    return wr;
  }

  /** Responder: true when every SGE is open and in this QP's PD. */
  recvSgesOk(sges: readonly SgeSpec[]): boolean {
    return this.#localOk(sges);
  }

  /** Responder: post a receive completion. */
  completeRecv(wr: RecvWrSpec, status: number, opcode: number, byteLen: number, imm: number | null, pkt: RequestPacket): void {
    this.recvCq.push({
      wrId: wr.wrId, status, opcode, byteLen, imm: imm ?? 0, qpNum: this.qpn, srcQp: pkt.srcQpn,
      wcFlags: (imm === null ? 0 : WcFlags.WITH_IMM) | (this.type === QpType.UD ? WcFlags.GRH : 0), slid: pkt.srcLid,
    });
  }

  /** Responder: a fatal local error on this QP. */
  responderError(): void {
    this.#enterError();
  }

  // ---- error ----

  #enterError(): void {
    if (this.#state === QpState.RESET) return;
    this.#state = QpState.ERR;
    if (this.#rnrTimer) clearTimeout(this.#rnrTimer);
    this.#rnrTimer = null;
    this.#node.rnrWaiting.delete(this);
    this.#flushSend();
    this.#flushRecv();
  }

  #flushSend(): void {
    while (this.#sqHead < this.#sq.length) this.#completeSend(this.#sq[this.#sqHead]!, WcStatus.WR_FLUSH_ERR, true);
    this.#sq = [];
    this.#sqHead = this.#nextSend = 0;
  }

  #flushRecv(): void {
    if (this.srq) return;
    while (this.#rqHead < this.#rq.length) {
      const wr = this.#rq[this.#rqHead++]!;
      this.recvCq.push({ wrId: wr.wrId, status: WcStatus.WR_FLUSH_ERR, opcode: WcOpcode.RECV, byteLen: 0, imm: 0, qpNum: this.qpn, srcQp: 0, wcFlags: 0, slid: 0 });
    }
    this.#rq = [];
    this.#rqHead = 0;
  }
}

export { GRH_BYTES as UD_GRH_BYTES };
