import type { RecvWrSpec } from '../../provider/spi.js';
import { copyRecvWrSpec } from '../../provider/spec-copy.js';
import { Access } from '../../constants/access.js';
import { QpState, QpType } from '../../constants/qp.js';
import { WcStatus } from '../../constants/wc-status.js';
import { WcFlags, WcOpcode } from '../../constants/wc-opcode.js';
import { OpTrait, WR_OPCODE_TRAITS, qpTypeBit, type WrOpcodeTraits } from '../../constants/wr-opcode-traits.js';
import type { LoopCq } from './cq.js';
import type { LoopSrq } from './srq.js';
import type { LoopMr } from './mr.js';
import type { QpCore } from './qp-core.js';
import { Syndrome, type RequestPacket } from './packets.js';
import { DEFAULT_PKEY, pkeysMatch } from '../../constants/pkey.js';
import { BytesPayload, scatter, type Payload } from './payload.js';
import { queueFull } from './errors.js';
import { Fifo } from './fifo.js';
import { localAccessOk } from './local-access.js';
import { memoryIntact } from '../../provider/memory-intact.js';
import { rnrDelayMs } from './rnr-timer.js';

/** Bytes of the GRH in front of every UD receive. */
export const GRH_BYTES = 40;

/** The zeroed GRH placed in front of UD receives. */
const GRH = new BytesPayload(new Uint8Array(GRH_BYTES));

/** The receive side of a QP, as a move to another process carries it. */
export interface ResponderSnapshot {
  readonly expectedPsn: number;
  readonly recvs: RecvWrSpec[];
  readonly atomics: Array<readonly [number, bigint]>;
}

/** What a responder is created with. */
export interface ResponderInit {
  readonly recvCq: LoopCq;
  /** Receives come from here when set, else from the QP's own receive queue. */
  readonly srq: LoopSrq | null;
  readonly maxRecvWr: number;
  /** `Access` bits the QP allows incoming RDMA and atomics. */
  readonly access: number;
  /** UD: the Q_Key a request must carry. */
  readonly qkey: number;
}

/**
 * The receive side of a loopback QP: the receive queue (or the SRQ it takes
 * from), the PSN it expects next, the execution of requests in order (a
 * SEND into the next receive buffer, an RDMA WRITE or READ at the address
 * its rkey names, an atomic), the ACK or NAK for each (RC), and the errors
 * a responder raises.
 */
export class Responder {
  readonly #core: QpCore;
  readonly #cq: LoopCq;
  readonly #srq: LoopSrq | null;
  readonly #rq = new Fifo<RecvWrSpec>();
  readonly #maxWr: number;
  #access: number;
  #qkey: number;
  /** The next PSN it will execute. */
  #expectedPsn = 0;
  /** The delay an RNR NAK asks the requester to wait. */
  #rnrDelayMs = rnrDelayMs(12);
  /** The original values of the latest atomics by PSN, answered again to a retransmitted atomic. */
  readonly #atomicResults = new Map<number, bigint>();

  constructor(core: QpCore, init: ResponderInit) {
    this.#core = core;
    this.#cq = init.recvCq;
    this.#srq = init.srq;
    this.#maxWr = init.maxRecvWr;
    this.#access = init.access;
    this.#qkey = init.qkey;
  }

  /** INIT -> INIT: new access flags and (UD) Q_Key. */
  configure(access: number, qkey: number): void {
    this.#access = access;
    this.#qkey = qkey;
  }

  /** RTR: expect `expectedPsn` next; RNR NAKs ask for the delay of timer code `minRnrTimer`. */
  start(expectedPsn: number, minRnrTimer: number): void {
    this.#expectedPsn = expectedPsn;
    this.#rnrDelayMs = rnrDelayMs(minRnrTimer);
  }

  /**
   * Queue receives; flushed at once in ERR.
   * @throws VerbsError `ENOMEM` when they do not all fit (none is queued then).
   */
  post(wrs: readonly RecvWrSpec[]): void {
    if (this.#rq.size + wrs.length > this.#maxWr) throw queueFull('ibv_post_recv', 'receive queue', this.#maxWr);
    for (const wr of wrs) this.#rq.push(copyRecvWrSpec(wr));
    if (this.#core.state() === QpState.ERR) this.flush();
  }

  /** Complete every queued receive with WR_FLUSH_ERR (the QP entered ERR). An SRQ keeps its requests. */
  flush(): void {
    const qpNum = this.#core.qpn;
    for (let wr = this.#rq.take(); wr !== undefined; wr = this.#rq.take()) {
      this.#cq.push({ wrId: wr.wrId, status: WcStatus.WR_FLUSH_ERR, opcode: WcOpcode.RECV, byteLen: 0, imm: 0, qpNum, srcQp: 0, wcFlags: 0, slid: 0 });
    }
  }

  /** Drop everything without completions (the QP is destroyed). */
  close(): void {
    this.#rq.clear();
  }

  /**
   * What a QP moving to another process carries of its receive side: the
   * PSN expected next, the posted receives (oldest first) and the atomics'
   * answers kept for retransmissions. Nothing is changed.
   */
  snapshot(): ResponderSnapshot {
    return { expectedPsn: this.#expectedPsn, recvs: this.#rq.items(), atomics: [...this.#atomicResults] };
  }

  /** Keep the answers of atomics a moved QP executed before, for their retransmissions. */
  restoreAtomics(atomics: ReadonlyArray<readonly [number, bigint]>): void {
    for (const [psn, orig] of atomics) this.#atomicResults.set(psn, orig);
  }

  /** A request addressed to this QP: executed when it is the one expected, acknowledged again when a duplicate. */
  onRequest(pkt: RequestPacket): void {
    const core = this.#core;
    const type = core.type;
    // the fabric drops what crosses partitions: no answer at all
    if (pkt.qpType !== type || !pkeysMatch(pkt.pkey || DEFAULT_PKEY, core.pkey())) return;
    const state = core.state();
    const ready = state === QpState.RTS || state === QpState.RTR;
    if (type === QpType.RC) {
      if (!ready) {
        core.node.respond(pkt, Syndrome.NO_RESPONDER);
        return;
      }
      if (!this.#fromPeer(pkt) || pkt.psn > this.#expectedPsn) return;
      if (pkt.psn < this.#expectedPsn) {
        this.#duplicate(pkt);
        return;
      }
    } else if (!ready || (type === QpType.UD ? pkt.qkey !== this.#qkey : !this.#fromPeer(pkt))) {
      return;
    }
    this.#execute(pkt);
  }

  /**
   * A retransmission of a request already executed (its ACK was late or
   * lost): answered again without executing twice. A READ is read again,
   * an atomic answered with the value it found the first time.
   */
  #duplicate(pkt: RequestPacket): void {
    const flags = WR_OPCODE_TRAITS[pkt.opcode]?.flags ?? 0;
    if ((flags & OpTrait.ATOMIC) !== 0) {
      const orig = this.#atomicResults.get(pkt.psn);
      if (orig !== undefined) this.#reply(pkt, Syndrome.ACK, null, orig);
    } else if ((flags & OpTrait.PAYLOAD_IN) !== 0) {
      // Data placed directly was placed the first time; the requester may have reused its memory since.
      if (pkt.placeRead) this.#core.node.respond(pkt, Syndrome.ACK);
      else this.#read(pkt);
    } else {
      this.#core.node.respond(pkt, Syndrome.ACK);
    }
  }

  #fromPeer(pkt: RequestPacket): boolean {
    const remote = this.#core.remote;
    return remote !== null && pkt.srcGid === remote.gid && pkt.srcQpn === remote.qpn;
  }

  /** Execute a request that arrived in order, by what its opcode's traits say it does. */
  #execute(pkt: RequestPacket): void {
    const op = WR_OPCODE_TRAITS[pkt.opcode];
    if (op === undefined || (op.qpTypes & qpTypeBit(this.#core.type)) === 0) {
      this.#reply(pkt, Syndrome.REM_INV_REQ);
      return;
    }
    const flags = op.flags;
    if ((flags & OpTrait.ATOMIC) !== 0) this.#atomic(pkt, op);
    else if ((flags & OpTrait.REMOTE) === 0) this.#send(pkt, op);
    else if ((flags & OpTrait.PAYLOAD_IN) !== 0) this.#read(pkt);
    else this.#write(pkt, op);
  }

  /** The next receive request, from the SRQ or the QP's own queue. */
  #takeRecv(): RecvWrSpec | undefined {
    return this.#srq ? this.#srq.take() : this.#rq.take();
  }

  #reply(pkt: RequestPacket, syndrome: number, data: Payload | null = null, atomicOrig = 0n): void {
    if (this.#core.type !== QpType.RC) return;
    if (syndrome === Syndrome.ACK && pkt.psn === this.#expectedPsn) this.#expectedPsn = pkt.psn + 1;
    this.#core.node.route(pkt.srcGid)?.sendResponse({
      dstQpn: pkt.srcQpn, psn: pkt.psn, syndrome, rnrDelayMs: syndrome === Syndrome.RNR ? this.#rnrDelayMs : 0, data, atomicOrig,
    });
  }

  #completeRecv(wr: RecvWrSpec, status: number, opcode: number, byteLen: number, imm: number | null, pkt: RequestPacket): void {
    const ud = this.#core.type === QpType.UD;
    this.#cq.push({
      wrId: wr.wrId, status, opcode, byteLen, imm: imm ?? 0, qpNum: this.#core.qpn, srcQp: pkt.srcQpn,
      wcFlags: (imm === null ? 0 : WcFlags.WITH_IMM) | (ud ? WcFlags.GRH : 0), slid: pkt.srcLid,
    });
  }

  /** A receive failed locally: complete it with `status`, move the QP to ERR (not UD), NAK with `syndrome`. */
  #failRecv(wr: RecvWrSpec, status: number, pkt: RequestPacket, op: WrOpcodeTraits, syndrome: number): void {
    this.#completeRecv(wr, status, op.recvWcOpcode, 0, null, pkt);
    if (this.#core.type !== QpType.UD) this.#core.enterError();
    this.#reply(pkt, syndrome);
  }

  #send(pkt: RequestPacket, op: WrOpcodeTraits): void {
    const wr = this.#takeRecv();
    if (!wr) {
      this.#reply(pkt, Syndrome.RNR);
      return;
    }
    const skip = this.#core.type === QpType.UD ? GRH_BYTES : 0;
    const total = pkt.payload.length + skip;
    if (total > wr.length) {
      this.#failRecv(wr, WcStatus.LOC_LEN_ERR, pkt, op, Syndrome.REM_INV_REQ);
      return;
    }
    if (!localAccessOk(wr.sgList, this.#core, true)) {
      this.#failRecv(wr, WcStatus.LOC_PROT_ERR, pkt, op, Syndrome.REM_OP);
      return;
    }
    if (skip > 0) scatter(GRH, wr.sgList);
    scatter(pkt.payload, wr.sgList, skip);
    this.#completeRecv(wr, WcStatus.SUCCESS, op.recvWcOpcode, total, immOf(pkt, op), pkt);
    this.#reply(pkt, Syndrome.ACK);
  }

  /** The region and offset an rkey-addressed range falls in, or null when access is not allowed. */
  #target(pkt: RequestPacket, flag: number, length: number): { mr: LoopMr; offset: number } | null {
    const core = this.#core;
    const mr = core.node.mrs.get(pkt.rkey);
    if (!mr || mr.closed || mr.pdId !== core.pdId || !memoryIntact(mr)) return null;
    if ((mr.access & flag) === 0 || (this.#access & flag) === 0) return null;
    if (pkt.remoteAddr < mr.addr) return null;
    const offset = pkt.remoteAddr - mr.addr;
    if (offset + BigInt(length) > BigInt(mr.length)) return null;
    return { mr, offset: Number(offset) };
  }

  #write(pkt: RequestPacket, op: WrOpcodeTraits): void {
    const len = pkt.payload.length;
    const t = this.#target(pkt, Access.REMOTE_WRITE, len);
    if (!t) {
      this.#reply(pkt, Syndrome.REM_ACCESS);
      return;
    }
    const wr = (op.flags & OpTrait.CONSUMES_RECV) !== 0 ? this.#takeRecv() : undefined;
    if ((op.flags & OpTrait.CONSUMES_RECV) !== 0 && !wr) {
      this.#reply(pkt, Syndrome.RNR);
      return;
    }
    if (len > 0) pkt.payload.read(0, t.mr.bytes, t.offset, len);
    if (wr) this.#completeRecv(wr, WcStatus.SUCCESS, op.recvWcOpcode, len, immOf(pkt, op), pkt);
    this.#reply(pkt, Syndrome.ACK);
  }

  #read(pkt: RequestPacket): void {
    const t = this.#target(pkt, Access.REMOTE_READ, pkt.readLength);
    if (!t) {
      this.#reply(pkt, Syndrome.REM_ACCESS);
      return;
    }
    const data = t.mr.bytes.subarray(t.offset, t.offset + pkt.readLength);
    if (pkt.placeRead) {
      // The requester's memory is mapped here: the data goes straight there, the answer carries none.
      pkt.placeRead(data);
      this.#reply(pkt, Syndrome.ACK);
      return;
    }
    this.#reply(pkt, Syndrome.ACK, new BytesPayload(data));
  }

  #atomic(pkt: RequestPacket, op: WrOpcodeTraits): void {
    const t = this.#target(pkt, Access.REMOTE_ATOMIC, 8);
    if (!t || t.offset % 8 !== 0) {
      this.#reply(pkt, Syndrome.REM_ACCESS);
      return;
    }
    const cas = (op.flags & OpTrait.SWAP) !== 0;
    let orig: bigint;
    const { mr, offset } = t;
    if (mr.words) {
      const i = offset / 8;
      orig = cas ? Atomics.compareExchange(mr.words, i, pkt.compareAdd, pkt.swap) : Atomics.add(mr.words, i, pkt.compareAdd);
    } else {
      const view = new DataView(mr.bytes.buffer, mr.bytes.byteOffset + offset, 8);
      orig = view.getBigUint64(0, true);
      if (cas) {
        if (orig === pkt.compareAdd) view.setBigUint64(0, pkt.swap, true);
      } else {
        view.setBigUint64(0, BigInt.asUintN(64, orig + pkt.compareAdd), true);
      }
    }
    this.#atomicResults.set(pkt.psn, orig);
    if (this.#atomicResults.size > ATOMIC_RESULTS_KEPT) this.#atomicResults.delete(this.#atomicResults.keys().next().value!);
    this.#reply(pkt, Syndrome.ACK, null, orig);
  }
}

/** How many atomic results a responder keeps for retransmissions (more than any initiator depth). */
const ATOMIC_RESULTS_KEPT = 64;

/** The immediate data a request carries, or null when its opcode carries none. */
function immOf(pkt: RequestPacket, op: WrOpcodeTraits): number | null {
  return (op.flags & OpTrait.IMM) !== 0 ? pkt.imm : null;
}
