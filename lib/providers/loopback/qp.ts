import type { PreparedBackend, QpBackend, QpInitSpec, RecvWrSpec, SendWrSpec } from '../../provider/spi.js';
import type { Endpoint } from '../../types/endpoint.js';
import type {
  AhValues, QpAttributes, QpInitAttributes, QpModifySpec, QpRtrValues, QpRtsAttributes,
} from '../../types/qp-attributes.js';
import { InvalidArgumentError } from '../../errors/invalid-argument-error.js';
import { ENDPOINT_VERSION } from '../../types/endpoint.js';
import { QpState, QpType } from '../../constants/qp.js';
import { WcStatus } from '../../constants/wc-status.js';
import { AsyncEventType } from '../../constants/async-event.js';
import { RdmaError } from '../../errors/rdma-error.js';
import { ProviderName } from '../../constants/provider-name.js';
import { downcast } from '../../provider/downcast.js';
import { LoopCq } from './cq.js';
import { LoopSrq } from './srq.js';
import type { LoopNode } from './node.js';
import type { RequestPacket, ResponsePacket } from './packets.js';
import type { QpCore, RemotePath } from './qp-core.js';
import { LOOP_MTU } from './device.js';
import { badState } from './errors.js';
import { Requester, type OutstandingSend } from './requester.js';
import { Responder, type ResponderSnapshot } from './responder.js';
import { Syndrome } from './packets.js';

/** A frozen QP's state, as a move to another process carries it. */
export interface QpSnapshot {
  /** The attributes as set (`query()`). */
  readonly attrs: QpAttributes;
  /** Requests posted and not completed, oldest first. */
  readonly sends: OutstandingSend[];
  /** The PSN the next new request gets. */
  readonly nextPsn: number;
  readonly recv: ResponderSnapshot;
}

/**
 * A loopback queue pair: the QP state and the connected peer, with two
 * owners beneath it that never see each other: the `Requester` (send queue,
 * PSNs, retries, timers) and the `Responder` (receive queue or SRQ, expected
 * PSN, execution, responder errors). Requests to a QP in this thread
 * execute synchronously inside `postSend`.
 */
export class LoopQp implements QpBackend, QpCore {
  readonly qpn: number;
  readonly type: number;
  readonly pdId: number;
  readonly node: LoopNode;
  readonly sendCq: LoopCq;
  readonly recvCq: LoopCq;
  readonly #initialPsn: number;
  readonly #requester: Requester;
  readonly #responder: Responder;
  #state: number = QpState.INIT;
  #remote: RemotePath | null = null;
  #init: Required<QpInitAttributes>;
  #rtr: QpRtrValues | null = null;
  #rts: Required<QpRtsAttributes> | null = null;
  /** `fail()` ran: the peer is gone. */
  #peerLost = false;
  /** Frozen for a move to another process (`freeze()`): requests are answered MIGRATING, posts refused. */
  #frozen = false;
  /** The peer was lost while frozen: applied when thawed. */
  #lostWhileFrozen: string | null = null;

  constructor(node: LoopNode, pdId: number, init: QpInitSpec) {
    this.node = node;
    this.pdId = pdId;
    this.type = init.type;
    this.sendCq = downcast(init.sendCq, LoopCq, 'init.sendCq', 'a completion queue of loop0');
    this.recvCq = downcast(init.recvCq, LoopCq, 'init.recvCq', 'a completion queue of loop0');
    const srq = init.srq === null ? null : downcast(init.srq, LoopSrq, 'init.srq', 'a shared receive queue of loop0');
    this.#init = { pkeyIndex: 0, port: 1, accessFlags: init.access, qkey: init.qkey };
    this.qpn = node.allocQpn();
    this.#initialPsn = Math.floor(Math.random() * 0x100_0000);
    this.#requester = new Requester(this, this.sendCq, init.maxSendWr);
    this.#responder = new Responder(this, {
      recvCq: this.recvCq, srq, maxRecvWr: init.maxRecvWr, access: init.access, qkey: init.qkey,
    });
    node.qps.set(this.qpn, this);
  }

  state(): number { return this.#state; }

  pkey(): number { return this.node.pkeys[this.#init.pkeyIndex] ?? 0; }

  /** The connected peer (RC, UC); null before connecting and on UD. */
  get remote(): RemotePath | null { return this.#remote; }

  endpoint(): Endpoint {
    return {
      v: ENDPOINT_VERSION, provider: ProviderName.LOOPBACK, lid: this.node.lid, gid: this.node.gid, gidIndex: 0,
      qpn: this.qpn, psn: this.#initialPsn, qpType: this.type, ...(this.type === QpType.UD ? { qkey: this.#init.qkey } : {}),
      mtu: LOOP_MTU, port: 1,
    };
  }

  /** loop0 routes by GID: the path names the peer's node GID. */
  pathTo(remote: Endpoint): AhValues {
    return { dlid: remote.lid, sl: 0, port: 1, grh: { dgid: remote.gid, sgidIndex: 0, hopLimit: 64, trafficClass: 0, flowLabel: 0 } };
  }

  /**
   * INIT -> INIT (the responder's access flags and Q_Key), INIT -> RTR (the
   * peer, resolved by GID; the responder expects `rqPsn`), RTR -> RTS (the
   * requester numbers from `sqPsn` and retries as the attributes say).
   * @throws InvalidArgumentError for an RTR path without a GID.
   * @throws RdmaError `ERR_UNREACHABLE` when no node has the peer's GID.
   */
  async modify(step: Exclude<QpModifySpec, { readonly state: typeof QpState.ERR }>): Promise<void> {
    if (step.state === QpState.INIT) {
      this.#init = step.attrs;
      this.#responder.configure(step.attrs.accessFlags, step.attrs.qkey);
      return;
    }
    if (step.state === QpState.RTR) {
      const rtr = step.attrs;
      if (rtr !== null) {
        const gid = rtr.ahAttr.grh?.dgid;
        if (gid === undefined) throw new InvalidArgumentError('attrs.ahAttr.grh', 'loop0 routes by GID: give the peer\'s GID in ahAttr.grh.dgid');
        const link = await this.node.resolve(gid);
        if (!link) {
          throw new RdmaError('ERR_UNREACHABLE', `no loopback node with GID ${gid} is reachable from here (the peer must use loop0 on this host, through the same hub, or in this process)`);
        }
        this.#remote = { gid, qpn: rtr.destQpn, lid: rtr.ahAttr.dlid };
      }
      this.#rtr = rtr;
      this.#responder.start(rtr?.rqPsn ?? 0, rtr?.minRnrTimer ?? 12);
      this.#state = QpState.RTR;
      return;
    }
    this.#rts = step.attrs;
    this.#requester.start(step.attrs.sqPsn, step.attrs);
    this.#state = QpState.RTS;
  }

  /** The attributes as set (0 for those not set yet). */
  query(): QpAttributes {
    const init = this.#init;
    const rtr = this.#rtr;
    const rts = this.#rts;
    const ud = this.type === QpType.UD;
    return {
      state: this.#state, pkeyIndex: init.pkeyIndex, port: init.port, accessFlags: ud ? 0 : init.accessFlags, qkey: ud ? init.qkey : 0,
      pathMtu: rtr?.pathMtu ?? 0, destQpn: rtr?.destQpn ?? 0, rqPsn: rtr?.rqPsn ?? 0,
      maxDestRdAtomic: rtr?.maxDestRdAtomic ?? 0, minRnrTimer: rtr?.minRnrTimer ?? 0, ahAttr: rtr?.ahAttr ?? null,
      sqPsn: rts?.sqPsn ?? 0, timeout: rts?.timeout ?? 0, retryCnt: rts?.retryCnt ?? 0, rnrRetry: rts?.rnrRetry ?? 0,
      maxRdAtomic: rts?.maxRdAtomic ?? 0,
    };
  }

  postSend(wrs: readonly SendWrSpec[]): void {
    if (this.#frozen) throw moving(this.qpn);
    const state = this.#state;
    if (state !== QpState.RTS && state !== QpState.ERR) throw badState(this.qpn, state);
    this.#requester.post(wrs);
  }

  postRecv(wrs: readonly RecvWrSpec[]): void {
    if (this.#frozen) throw moving(this.qpn);
    if (this.#state === QpState.RESET) throw badState(this.qpn, this.#state);
    this.#responder.post(wrs);
  }

  /** Nothing to pack: each post hands the specs to the requester, which copies what it queues. */
  prepareSend(wrs: readonly SendWrSpec[]): PreparedBackend {
    return { changed: () => {}, post: () => this.postSend(wrs) };
  }

  /** Each post hands the specs to the responder, which copies what it queues. */
  prepareRecv(wrs: readonly RecvWrSpec[]): PreparedBackend {
    return { changed: () => {}, post: () => this.postRecv(wrs) };
  }

  /** A request for this QP arrived (to its responder). */
  onRequest(pkt: RequestPacket): void {
    if (this.#frozen) {
      if (pkt.qpType === QpType.RC) this.node.respond(pkt, Syndrome.MIGRATING);
      return;
    }
    this.#responder.onRequest(pkt);
  }

  /** A response for this QP arrived (to its requester). */
  onResponse(resp: ResponsePacket): void {
    this.#requester.onResponse(resp);
  }

  toError(): void {
    this.enterError();
  }

  enterError(): void {
    if (this.#state === QpState.RESET) return;
    this.#state = QpState.ERR;
    this.#requester.flush();
    this.#responder.flush();
  }

  /**
   * The peer is gone: the oldest outstanding send fails with RETRY_EXC_ERR,
   * the rest flush, and QP_FATAL says why. A QP whose local ACK timer ran
   * out first is in ERR already: it still gets the event, once.
   */
  fail(reason: string): void {
    if (this.#frozen) {
      this.#lostWhileFrozen ??= reason;
      return;
    }
    if (this.#state === QpState.RESET || this.#peerLost) return;
    this.#peerLost = true;
    if (this.#state !== QpState.ERR) {
      this.#requester.failOldest(WcStatus.RETRY_EXC_ERR);
      this.enterError();
    }
    this.node.onAsyncEvent({ type: AsyncEventType.QP_FATAL, typeName: 'QP_FATAL', qpn: this.qpn, detail: reason });
  }

  /** True while frozen for a move. */
  get frozen(): boolean { return this.#frozen; }

  /**
   * Freeze for a move to another process: from now on requests to it are
   * answered MIGRATING (their requesters resend them later), answers to its
   * own requests are dropped (they are sent again after the move), posts
   * throw, timers stop. Returns the state the QP moves with.
   * @throws RdmaError `ERR_BAD_STATE` when it is already frozen.
   */
  freeze(): QpSnapshot {
    if (this.#frozen) throw moving(this.qpn);
    this.#frozen = true;
    const { sends, nextPsn } = this.#requester.freeze();
    return { attrs: this.query(), sends, nextPsn, recv: this.#responder.snapshot() };
  }

  /** The move did not happen: run on, resending what was unacknowledged; a peer lost meanwhile fails the QP now. */
  thaw(): void {
    if (!this.#frozen) return;
    this.#frozen = false;
    this.#requester.thaw();
    const lost = this.#lostWhileFrozen;
    this.#lostWhileFrozen = null;
    if (lost !== null) this.fail(lost);
  }

  /** A moved QP: the answers of atomics it executed before the move, for their retransmissions. */
  restoreAtomics(atomics: ReadonlyArray<readonly [number, bigint]>): void {
    this.#responder.restoreAtomics(atomics);
  }

  close(): void {
    this.#state = QpState.RESET;
    this.#requester.close();
    this.#responder.close();
    if (this.node.qps.get(this.qpn) === this) this.node.qps.delete(this.qpn);
  }
}

function moving(qpn: number): RdmaError {
  return new RdmaError('ERR_BAD_STATE', `queue pair ${qpn} is moving to another process`);
}
