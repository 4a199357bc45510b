import type { SendWrSpec, SgeSpec } from '../../provider/spi.js';
import { isMapping, sharedMemory } from './mapping/shared-memory.js';
import { newQpGuard, type QpGuard } from './mapping/qp-guard.js';
import { copySendWrSpec } from '../../provider/spec-copy.js';
import type { QpRtsAttributes } from '../../types/qp-attributes.js';
import { QpState, QpType } from '../../constants/qp.js';
import { WcStatus } from '../../constants/wc-status.js';
import { SendFlags } from '../../constants/wr-opcode.js';
import { OpTrait, WR_OPCODE_TRAITS, type WrOpcodeTraits } from '../../constants/wr-opcode-traits.js';
import { mtuBytes } from '../../constants/port.js';
import type { LoopCq } from './cq.js';
import { downcast } from '../../provider/downcast.js';
import { LoopAh } from './ah.js';
import type { QpCore } from './qp-core.js';
import { Syndrome, type RequestPacket, type ResponsePacket } from './packets.js';
import { BytesPayload, EMPTY_PAYLOAD, SgePayload, scatter, snapshot, type Payload } from './payload.js';
import { LOOP_MTU } from './device.js';
import { queueFull } from './errors.js';
import { localAccessOk } from './local-access.js';
import { ackTimeoutMs } from './rnr-timer.js';

/** One request that was posted and not yet completed, as a QP moving to another process carries it. */
export interface OutstandingSend {
  readonly wr: SendWrSpec;
  readonly psn: number;
  /** An inline send: the bytes taken when it was posted (its SGEs may have changed since). */
  readonly inline: Uint8Array | null;
}

/** How long a requester waits after a MIGRATING NAK before resending (ms). */
const MIGRATING_WAIT_MS = 0.2;

/** What the requester retransmits by: RNR retries (7 = for ever), transport retries, the local ACK timeout code. */
export type RetryAttrs = Required<Pick<QpRtsAttributes, 'rnrRetry' | 'retryCnt' | 'timeout'>>;

const NO_RETRY: RetryAttrs = { rnrRetry: 0, retryCnt: 0, timeout: 0 };

interface SendEntry {
  readonly wr: SendWrSpec;
  readonly op: WrOpcodeTraits;
  readonly psn: number;
  readonly payload: Payload;
  /**
   * RDMA READ: where a transport may have the responder place the data as
   * it executes the request (the destination is shared memory), or null
   * when the data is stored as the answer is handled.
   */
  readonly readSink: readonly SgeSpec[] | null;
  /** It stores into local memory as its answer is handled (an atomic, a READ without `readSink`). */
  readonly storesLate: boolean;
}

/**
 * The send side of a loopback QP: the send queue, packet sequence numbers,
 * transmission in order, the wait after an RNR NAK or a lost request and
 * the retransmission after it, and the send completions.
 *
 * RC requests run under the local ACK timer of InfiniBand: when the oldest
 * unacknowledged request gets no answer for `ackTimeoutMs(timeout)` (the
 * timer restarts whenever an ACK makes progress), every unacknowledged
 * request is sent again from there; after `retryCnt` such retransmissions
 * in a row the oldest completes with RETRY_EXC_ERR and the QP enters ERR.
 * So a request completes whatever the peer does (stopped, connected to
 * another QP, gone).
 */
export class Requester {
  readonly #core: QpCore;
  readonly #cq: LoopCq;
  readonly #maxWr: number;
  /** Outstanding sends from `#head` on; completed slots are nulled so their buffers can be collected. */
  #sq: Array<SendEntry | null> = [];
  #head = 0;
  #next = 0;
  #psn = 0;
  #retry: RetryAttrs = NO_RETRY;
  #rnrLeft = 0;
  #retryLeft = 0;
  #timer: NodeJS.Timeout | null = null;
  #due = 0;
  /** The local ACK timer (RC): armed while a transmitted request waits for its answer. */
  #ackTimer: NodeJS.Timeout | null = null;
  /** When the oldest unacknowledged request times out (`performance.now()` ms). */
  #ackDue = 0;
  #pumping = false;
  #pumpAgain = false;
  /** Outstanding entries that store into local memory as their answer is handled (`storesLate`). */
  #lateStores = 0;
  /** Made when a request first names shared memory; revoked before any request completes without its answer. */
  #guard: QpGuard | null = null;
  /** The QP is moving to another process: nothing is sent, answers are dropped, timers stopped. */
  #frozen = false;
  /** When the first MIGRATING NAK of the current series came (`performance.now()`), 0 when none. */
  #migratingSince = 0;

  constructor(core: QpCore, cq: LoopCq, maxWr: number) {
    this.#core = core;
    this.#cq = cq;
    this.#maxWr = maxWr;
  }

  /** RTS: number requests from `sqPsn` on and retransmit as `retry` says. */
  start(sqPsn: number, retry: RetryAttrs): void {
    this.#psn = sqPsn;
    this.#retry = retry;
    this.#rnrLeft = retry.rnrRetry;
    this.#retryLeft = retry.retryCnt;
  }

  /**
   * Queue sends: transmitted at once in RTS, flushed in ERR.
   * @throws VerbsError `ENOMEM` when they do not all fit (none is queued then).
   */
  post(wrs: readonly SendWrSpec[]): void {
    if (this.#sq.length - this.#head + wrs.length > this.#maxWr) throw queueFull('ibv_post_send', 'send queue', this.#maxWr);
    for (const posted of wrs) {
      const wr = copySendWrSpec(posted);
      const op = WR_OPCODE_TRAITS[wr.opcode]!;
      let payload: Payload = EMPTY_PAYLOAD;
      if ((op.flags & OpTrait.PAYLOAD_OUT) !== 0 && wr.length > 0) {
        payload = new SgePayload(wr.sgList, wr.length);
        if (wr.flags & SendFlags.INLINE) payload = new BytesPayload(snapshot(payload));
      }
      const readSink = this.#earlySink(wr, op);
      const storesLate = (op.flags & OpTrait.PAYLOAD_IN) !== 0 && readSink === null;
      if (storesLate) this.#lateStores++;
      this.#sq.push({ wr, op, psn: this.#psn++, payload, readSink, storesLate });
    }
    if (this.#core.state() === QpState.ERR) this.flush();
    else this.#pump();
  }

  /**
   * The SGEs a READ's data may be placed in by the responder directly, or
   * null. Local memory must receive the results of READs and atomics in
   * order: a READ may have its data placed early only when its destination
   * is all shared memory (so every READ of this QP that may be placed early
   * is) and no earlier outstanding request stores late.
   */
  #earlySink(wr: SendWrSpec, op: WrOpcodeTraits): readonly SgeSpec[] | null {
    if ((op.flags & (OpTrait.PAYLOAD_IN | OpTrait.ATOMIC)) !== OpTrait.PAYLOAD_IN || this.#lateStores > 0) return null;
    for (const sge of wr.sgList) if (!isMapping(sge.mr.bytes.buffer)) return null;
    return wr.sgList;
  }

  /** An ACK or NAK from the responder (RC). */
  onResponse(resp: ResponsePacket): void {
    if (this.#frozen || this.#core.state() !== QpState.RTS || this.#core.type !== QpType.RC) return;
    const e = this.#sq[this.#head];
    if (!e || e.psn !== resp.psn || this.#head >= this.#next) return;
    switch (resp.syndrome) {
      case Syndrome.ACK:
        if (!this.#finish(e, resp)) {
          this.#failHead(e, WcStatus.LOC_PROT_ERR);
          return;
        }
        this.#rnrLeft = this.#retry.rnrRetry;
        this.#retryLeft = this.#retry.retryCnt;
        this.#migratingSince = 0;
        this.#complete(e, WcStatus.SUCCESS, false);
        // Progress: the ACK timer starts over for the next unacknowledged request.
        if (this.#ackTimer !== null) this.#ackDue = performance.now() + ackTimeoutMs(this.#retry.timeout);
        this.#pump();
        return;
      case Syndrome.RNR:
        // The responder answered: local ACK timeouts before this NAK and after it are not in a row.
        this.#retryLeft = this.#retry.retryCnt;
        if (this.#retry.rnrRetry === 7 || this.#rnrLeft-- > 0) {
          this.#waitThenResend(resp.rnrDelayMs);
          return;
        }
        this.#failHead(e, WcStatus.RNR_RETRY_EXC_ERR);
        return;
      case Syndrome.MIGRATING:
        this.#migrating(e);
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
          this.#waitThenResend(ackTimeoutMs(this.#retry.timeout));
          return;
        }
        this.#failHead(e, WcStatus.RETRY_EXC_ERR);
    }
  }

  /**
   * Retransmit after a wait once it is due. Called by the timer, and by
   * every poll (so a thread that spins without yielding still retries).
   */
  retryIfDue(now: number): void {
    if (this.#frozen) return;
    if (this.#timer !== null && now >= this.#due) this.#resume();
    else if (this.#ackTimer !== null && now >= this.#ackDue) this.#ackTimedOut();
  }

  /**
   * The QP is moving to another process: stop sending and retrying, drop
   * answers from now on, and return every request not yet completed, oldest
   * first, with the PSN the next new request would get.
   */
  freeze(): { readonly sends: OutstandingSend[]; readonly nextPsn: number } {
    this.#frozen = true;
    this.#stopTimer();
    this.#stopAckTimer();
    const sends: OutstandingSend[] = [];
    for (let i = this.#head; i < this.#sq.length; i++) {
      const e = this.#sq[i]!;
      const inline = (e.wr.flags & SendFlags.INLINE) !== 0 && e.payload !== EMPTY_PAYLOAD ? snapshot(e.payload) : null;
      sends.push({ wr: e.wr, psn: e.psn, inline });
    }
    return { sends, nextPsn: this.#psn };
  }

  /** The move did not happen: send again from the oldest unacknowledged request (the responder answers duplicates again). */
  thaw(): void {
    if (!this.#frozen) return;
    this.#frozen = false;
    this.#next = this.#head;
    this.#pump();
  }

  /** Complete the oldest outstanding send with `status` (the peer is gone). */
  failOldest(status: number): void {
    this.#revokeGuard();
    const head = this.#sq[this.#head];
    if (head) this.#complete(head, status, true);
  }

  /** Stop waiting and flush every outstanding send with WR_FLUSH_ERR (the QP entered ERR). */
  flush(): void {
    this.#revokeGuard();
    this.#stopTimer();
    this.#stopAckTimer();
    while (this.#head < this.#sq.length) this.#complete(this.#sq[this.#head]!, WcStatus.WR_FLUSH_ERR, true);
    this.#sq = [];
    this.#head = this.#next = this.#lateStores = 0;
  }

  /** Drop everything without completions (the QP is destroyed). */
  close(): void {
    this.#revokeGuard();
    this.#stopTimer();
    this.#stopAckTimer();
    this.#sq = [];
    this.#head = this.#next = this.#lateStores = 0;
  }

  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        while (this.#core.state() === QpState.RTS && this.#timer === null && !this.#frozen && this.#next < this.#sq.length) {
          const e = this.#sq[this.#next]!;
          // A later request that cannot be sent waits until it is the oldest,
          // so that it fails in order and completes once.
          if (this.#next > this.#head && !this.#sendable(e)) break;
          this.#next++;
          this.#transmit(e);
        }
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
    if (this.#head < this.#next && this.#core.type === QpType.RC && this.#core.state() === QpState.RTS) this.#armAckTimer();
    else this.#stopAckTimer();
  }

  /** Start the local ACK timer unless it runs already (it then keeps the oldest request's deadline). */
  #armAckTimer(): void {
    if (this.#ackTimer !== null) return;
    const ms = ackTimeoutMs(this.#retry.timeout);
    this.#ackDue = performance.now() + ms;
    this.#ackTimer = setTimeout(() => this.#onAckTimer(), ms);
    this.#core.node.rnrWaiting.add(this);
  }

  #stopAckTimer(): void {
    if (this.#ackTimer === null) return;
    clearTimeout(this.#ackTimer);
    this.#ackTimer = null;
    if (this.#timer === null) this.#core.node.rnrWaiting.delete(this);
  }

  /**
   * The timer fired. ACKs that made progress meanwhile moved the deadline:
   * wait for the rest. Otherwise look once more after the answers already
   * received are read (a process that was not scheduled for a while must
   * not count its own delay as a lost request).
   */
  #onAckTimer(): void {
    const left = this.#ackDue - performance.now();
    if (left > 0) {
      this.#ackTimer = setTimeout(() => this.#onAckTimer(), left);
      return;
    }
    setImmediate(() => {
      if (this.#ackTimer !== null && performance.now() >= this.#ackDue) this.#ackTimedOut();
    });
  }

  /** No answer in time: resend everything unacknowledged from the oldest, or give up after `retryCnt` tries. */
  #ackTimedOut(): void {
    this.#stopAckTimer();
    const e = this.#sq[this.#head];
    if (!e || this.#head >= this.#next || this.#core.state() !== QpState.RTS) return;
    if (this.#retryLeft-- > 0) {
      this.#next = this.#head;
      this.#pump();
      return;
    }
    this.#failHead(e, WcStatus.RETRY_EXC_ERR);
  }

  /** Whether `e` can be sent now: its local memory passes the access check and (RC, UC) its peer is routable. */
  #sendable(e: SendEntry): boolean {
    const core = this.#core;
    if (!localAccessOk(e.wr.sgList, core, (e.op.flags & OpTrait.PAYLOAD_IN) !== 0)) return false;
    if (core.type === QpType.UD) return true;
    const remote = core.remote;
    return remote !== null && core.node.route(remote.gid) !== null;
  }

  #transmit(e: SendEntry): void {
    const core = this.#core;
    const wr = e.wr;
    if (!localAccessOk(wr.sgList, core, (e.op.flags & OpTrait.PAYLOAD_IN) !== 0)) {
      this.#failHead(e, WcStatus.LOC_PROT_ERR);
      return;
    }
    if (core.type === QpType.UD) {
      if (wr.length > mtuBytes(LOOP_MTU)) {
        this.#failHead(e, WcStatus.LOC_LEN_ERR);
        return;
      }
      core.node.route(downcast(wr.ah, LoopAh, 'wr.ah', 'an address handle of loop0').gid)?.sendRequest(this.#packet(e, wr.remoteQpn, wr.remoteQkey));
      this.#complete(e, WcStatus.SUCCESS, false);
      return;
    }
    const remote = core.remote;
    const link = remote === null ? null : core.node.route(remote.gid);
    if (!link || remote === null) {
      this.#failHead(e, WcStatus.RETRY_EXC_ERR);
      return;
    }
    link.sendRequest(this.#packet(e, remote.qpn, 0));
    // UC is unacknowledged: done once sent. RC waits for the ACK.
    if (core.type === QpType.UC) this.#complete(e, WcStatus.SUCCESS, false);
  }

  #packet(e: SendEntry, dstQpn: number, qkey: number): RequestPacket {
    const core = this.#core;
    const wr = e.wr;
    return {
      srcGid: core.node.gid, srcLid: core.node.lid, srcQpn: core.qpn, dstQpn, psn: e.psn, opcode: wr.opcode,
      payload: e.payload, imm: wr.imm, remoteAddr: wr.remoteAddr, rkey: wr.rkey,
      readLength: (e.op.flags & OpTrait.PAYLOAD_IN) !== 0 ? wr.length : 0,
      compareAdd: wr.compareAdd, swap: wr.swap, qkey, pkey: core.pkey(), qpType: core.type, solicited: (wr.flags & SendFlags.SOLICITED) !== 0,
      readSink: e.readSink,
      guard: core.type === QpType.RC && (e.readSink !== null || inSharedMemory(e.payload)) ? this.#guardNow() : null,
    };
  }

  /** This QP's guard, made now if it has none. */
  #guardNow(): QpGuard | null {
    if (this.#guard === null) {
      const mem = sharedMemory();
      this.#guard = mem === null ? null : newQpGuard(mem);
    }
    return this.#guard;
  }

  /**
   * Before a request completes without the responder's answer: responders
   * must no longer touch the memory of this QP's requests (the application
   * may reuse it at once). Later requests get a new guard.
   */
  #revokeGuard(): void {
    this.#guard?.revoke();
    this.#guard = null;
  }

  /**
   * The responder's QP is moving: resend from `e` after a short wait, by its
   * route then. Not counted as an RNR or transport retry; a move that takes
   * longer than the transport's whole retry budget (`retryCnt + 1` local ACK
   * timeouts) fails like a lost peer, with RETRY_EXC_ERR.
   */
  #migrating(e: SendEntry): void {
    const now = performance.now();
    if (this.#migratingSince === 0) this.#migratingSince = now;
    else if (now - this.#migratingSince > ackTimeoutMs(this.#retry.timeout) * (this.#retry.retryCnt + 1)) {
      this.#failHead(e, WcStatus.RETRY_EXC_ERR);
      return;
    }
    this.#waitThenResend(MIGRATING_WAIT_MS);
  }

  /** Go back to the oldest unacknowledged request and resend from there after `ms`. */
  #waitThenResend(ms: number): void {
    this.#stopAckTimer();
    this.#next = this.#head;
    this.#due = performance.now() + ms;
    this.#timer = setTimeout(() => this.#resume(), ms);
    this.#core.node.rnrWaiting.add(this);
  }

  #resume(): void {
    this.#stopTimer();
    this.#pump();
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#ackTimer === null) this.#core.node.rnrWaiting.delete(this);
  }

  /** The head request failed: complete it with `status`, then the whole QP enters ERR. */
  #failHead(e: SendEntry, status: number): void {
    this.#revokeGuard();
    this.#complete(e, status, true);
    this.#core.enterError();
  }

  /**
   * Store what the responder sent back (READ data, the atomic's original
   * value) in the local SGEs. False when they can no longer take it (closed,
   * or their memory detached since the request was sent): LOC_PROT_ERR.
   */
  #finish(e: SendEntry, resp: ResponsePacket): boolean {
    const flags = e.op.flags;
    if ((flags & OpTrait.PAYLOAD_IN) === 0) return true;
    const sgList = e.wr.sgList;
    if (!localAccessOk(sgList, this.#core, true)) return false;
    if ((flags & OpTrait.ATOMIC) !== 0) {
      const sge = sgList[0]!;
      const b = sge.mr.bytes;
      new DataView(b.buffer, b.byteOffset + sge.offset, 8).setBigUint64(0, resp.atomicOrig, true);
    } else if (resp.data) {
      scatter(resp.data, sgList);
    }
    return true;
  }

  /** Complete the oldest send entry (in order). Unsignaled successes leave no completion. */
  #complete(e: SendEntry, status: number, always: boolean): void {
    if (this.#sq[this.#head] === e) this.#sq[this.#head++] = null;
    if (e.storesLate) this.#lateStores--;
    if (this.#next < this.#head) this.#next = this.#head;
    const wr = e.wr;
    if (always || status !== WcStatus.SUCCESS || (wr.flags & SendFlags.SIGNALED) !== 0) {
      this.#cq.push({
        wrId: wr.wrId, status, opcode: e.op.wcOpcode, byteLen: wr.length,
        imm: 0, qpNum: this.#core.qpn, srcQp: 0, wcFlags: 0, slid: 0,
      });
    }
    if (this.#head > 1024 && this.#head * 2 > this.#sq.length) {
      this.#sq = this.#sq.slice(this.#head);
      this.#next -= this.#head;
      this.#head = 0;
    }
  }
}

/** Whether some of a payload's bytes lie in a named shared memory mapping of this thread. */
function inSharedMemory(payload: Payload): boolean {
  if (!(payload instanceof SgePayload)) return false;
  for (const sge of payload.sges) if (isMapping(sge.mr.bytes.buffer)) return true;
  return false;
}
