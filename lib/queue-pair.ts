import type { QpBackend } from './provider/spi.js';
import type { Endpoint } from './types/endpoint.js';
import type {
  QpAttributes, QpInitAttributes, QpModifySpec, QpRtrAttributes, QpRtsAttributes,
} from './types/qp-attributes.js';
import type { RecvWorkRequest, SendWorkRequest } from './types/work-request.js';
import { QpState, QpType, qpStateName, qpTypeName } from './constants/qp.js';
import { CloseRank, type Lifetime } from './lifetime.js';
import { Resource } from './resource.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import { RdmaError } from './errors/rdma-error.js';
import { toSendWrSpecs } from './validate/send-wr.js';
import { toRecvWrSpecs } from './validate/recv-wr.js';
import { recvSpecPool, sendSpecPool } from './validate/spec-pool.js';
import { PreparedSend } from './prepared-send.js';
import { PreparedRecv } from './prepared-recv.js';
import { checkEndpoint } from './validate/endpoint.js';
import { checkInt } from './validate/numbers.js';
import { checkTransition } from './validate/qp-transition.js';
import {
  checkInitAttributes, checkRtrAttributes, checkRtsAttributes, type AttributeLimits,
} from './validate/qp-attributes.js';
import { checkOptions, optionShape } from './validate/options.js';
import type { ProtectionDomain } from './protection-domain.js';
import type { CompletionQueue } from './completion-queue.js';
import type { SharedReceiveQueue } from './shared-receive-queue.js';

/**
 * Options for `QueuePair.connect()`, the attributes of its RTR and RTS steps
 * that are not taken from the endpoints; defaults suit most uses.
 * `maxRdAtomic` (1..16 here) sets both directions: `maxRdAtomic` and
 * `maxDestRdAtomic`.
 */
export type ConnectOptions = Pick<QpRtrAttributes, 'minRnrTimer'> & Pick<QpRtsAttributes, 'rnrRetry' | 'retryCnt' | 'timeout' | 'maxRdAtomic'>;

/** What the QP was created with. */
export interface QueuePairCaps {
  readonly type: number;
  readonly maxSendWr: number;
  readonly maxRecvWr: number;
  readonly maxSge: number;
  readonly maxInline: number;
  readonly sqSigAll: boolean;
}

/**
 * A queue pair (`ibv_qp`): RC, UC or UD. Typestate: created and moved to
 * INIT at once (so receives can be posted before connecting); give the peer
 * `endpoint()`, then `await connect(peerEndpoint)` (INIT -> RTR -> RTS);
 * post work with `postSend` / `postRecv`. `close()` destroys it
 * (`ibv_destroy_qp`), dropping outstanding requests; idempotent, never throws.
 */
export class QueuePair extends Resource<QpBackend> {
  /** The protection domain it belongs to. */
  readonly pd: ProtectionDomain;
  readonly sendCq: CompletionQueue;
  readonly recvCq: CompletionQueue;
  readonly srq: SharedReceiveQueue | null;
  /** Sizes and type it was created with. */
  readonly caps: QueuePairCaps;
  #remote: Endpoint | null = null;
  /** Validated requests, reused from post to post. */
  readonly #sendSpecs = sendSpecPool();
  readonly #recvSpecs = recvSpecPool();

  /** @internal Use `ProtectionDomain.createQp()`. */
  constructor(pd: ProtectionDomain, backend: QpBackend, caps: QueuePairCaps, sendCq: CompletionQueue, recvCq: CompletionQueue, srq: SharedReceiveQueue | null, parent: Lifetime) {
    super(backend, `QueuePair(${qpTypeName(caps.type)} qpn=${backend.qpn})`, parent, CloseRank.QP);
    this.pd = pd;
    this.caps = caps;
    this.sendCq = sendCq;
    this.recvCq = recvCq;
    this.srq = srq;
    sendCq.addUser(this);
    recvCq.addUser(this);
    srq?.addUser(this);
  }

  /** Queue-pair number (24 bits). */
  get qpn(): number { return this.raw.qpn; }
  /** `QpType` value. */
  get type(): number { return this.caps.type; }
  /** Current `QpState` value (ERR after a fatal completion or a dead peer). */
  get state(): number { return this.closed ? QpState.RESET : this.raw.state(); }
  /** The state's name, e.g. `"RTS"`. */
  get stateName(): string { return qpStateName(this.state); }
  /** The peer endpoint passed to `connect()`, if any. */
  get remote(): Endpoint | null { return this.#remote; }

  /**
   * What the peer needs to connect to this QP: JSON-safe, versioned.
   * @throws ClosedError when closed.
   */
  endpoint(): Endpoint {
    this.life.assertOpen();
    return this.raw.endpoint();
  }

  /**
   * Bring the QP to RTS (INIT -> RTR -> RTS): two `modify()` steps whose
   * attributes come from both endpoints (path MTU, QPN, PSNs, the address
   * vector to the peer) and `options`. RC and UC need the peer's endpoint; UD takes none.
   * @throws InvalidArgumentError for a malformed endpoint or options, a QP-type mismatch, or a provider mismatch.
   * @throws RdmaError `ERR_BAD_STATE` when the QP is not in INIT (already connected, or in error).
   * @throws RdmaError `ERR_UNREACHABLE` (loopback) when no node with the peer's GID can be reached.
   * @throws VerbsError when a transition fails on a native device.
   * @throws ClosedError when closed.
   */
  async connect(remote?: Endpoint, options: ConnectOptions = {}): Promise<void> {
    this.life.assertOpen();
    const spec = toConnectSpec(options);
    let peer: Endpoint | null = null;
    if (this.caps.type === QpType.UD) {
      if (remote !== undefined) throw new InvalidArgumentError('remote', 'a UD queue pair connects to no single peer: call connect() with no endpoint, and address each send with an AddressHandle');
    } else {
      peer = checkEndpoint('connect()', 'remote', remote);
      if (peer.qpType !== this.caps.type) {
        throw new InvalidArgumentError('remote.qpType', `peer QP is ${qpTypeName(peer.qpType)}, this QP is ${qpTypeName(this.caps.type)}`);
      }
      const own = this.raw.endpoint();
      if (peer.provider !== own.provider) {
        throw new InvalidArgumentError('remote.provider', `peer QP is on the ${peer.provider} provider, this QP on ${own.provider}: both sides must use the same kind of device`);
      }
    }
    const state = this.raw.state();
    if (state !== QpState.INIT) throw new RdmaError('ERR_BAD_STATE', `connect() needs a QP in INIT; ${this.life.label} is in ${qpStateName(state)}`);
    const own = this.raw.endpoint();
    await this.raw.modify({
      state: QpState.RTR,
      attrs: peer === null ? null : {
        pathMtu: Math.min(own.mtu, peer.mtu), destQpn: peer.qpn, rqPsn: peer.psn,
        maxDestRdAtomic: spec.maxRdAtomic, minRnrTimer: spec.minRnrTimer, ahAttr: this.raw.pathTo(peer),
      },
    });
    this.life.assertOpen();
    await this.raw.modify({
      state: QpState.RTS,
      attrs: { sqPsn: own.psn, timeout: spec.timeout, retryCnt: spec.retryCnt, rnrRetry: spec.rnrRetry, maxRdAtomic: spec.maxRdAtomic },
    });
    this.#remote = peer;
  }

  /**
   * One step of the QP state machine (`ibv_modify_qp`), for code that
   * drives it itself (an rdma_cm, a migration): INIT -> INIT (port, P_Key
   * index, access flags, UD Q_Key), INIT -> RTR (the peer: `QpRtrAttributes`;
   * a UD QP takes none), RTR -> RTS (`QpRtsAttributes`), and any state ->
   * ERR. Attributes left out take the defaults their types name; RC-only
   * ones are ignored on UC. `connect()` is these steps with attributes taken
   * from the endpoints.
   * @throws InvalidArgumentError for a malformed attribute (naming it) or state.
   * @throws UnsupportedError for RESET, SQD or SQE.
   * @throws RdmaError `ERR_BAD_STATE` when the QP is not in a state the target can be reached from.
   * @throws RdmaError `ERR_UNREACHABLE` (loopback) when RTR names a GID no node has.
   * @throws VerbsError when a native device refuses the step (naming both states).
   * @throws ClosedError when closed.
   */
  async modify(state: typeof QpState.INIT, attrs?: QpInitAttributes): Promise<void>;
  async modify(state: typeof QpState.RTR, attrs?: QpRtrAttributes): Promise<void>;
  async modify(state: typeof QpState.RTS, attrs: QpRtsAttributes): Promise<void>;
  async modify(state: typeof QpState.ERR): Promise<void>;
  async modify(state: number, attrs?: QpInitAttributes | QpRtrAttributes | QpRtsAttributes): Promise<void> {
    this.life.assertOpen();
    const to = checkTransition(this.life.label, this.raw.state(), state);
    const step = this.#step(to, attrs);
    if (step.state === QpState.ERR) this.raw.toError();
    else await this.raw.modify(step);
  }

  /**
   * Every attribute of the QP (`ibv_query_qp`): state, port, P_Key index,
   * access flags, Q_Key, path MTU, peer QPN, PSNs, RNR and retry settings,
   * read/atomic depths and the address vector (null before RTR and on UD).
   * @throws VerbsError when a native device refuses. @throws ClosedError when closed.
   */
  query(): QpAttributes {
    return this.backend().query();
  }

  #step(to: number, attrs: unknown): QpModifySpec {
    const current = this.raw.query();
    const context = this.pd.context;
    const limits: AttributeLimits = {
      port: current.port, physPortCnt: context.queryDevice().physPortCnt, pkeyTblLen: (port) => context.queryPort(port).pkeyTblLen,
    };
    if (to === QpState.INIT) {
      return { state: to, attrs: checkInitAttributes(attrs as QpInitAttributes | undefined, limits, current) };
    }
    if (to === QpState.RTR) {
      if (this.caps.type !== QpType.UD) return { state: to, attrs: checkRtrAttributes(attrs as QpRtrAttributes, limits) };
      if (attrs !== undefined && (attrs === null || typeof attrs !== 'object' || Object.keys(attrs).length > 0)) {
        throw new InvalidArgumentError('attrs', 'a UD queue pair takes no RTR attributes (it has no single peer)');
      }
      return { state: to, attrs: null };
    }
    if (to === QpState.RTS) return { state: to, attrs: checkRtsAttributes(attrs as QpRtsAttributes) };
    return { state: QpState.ERR, attrs: null };
  }

  /**
   * Post send work requests; an array is one provider call (one `ibv_post_send` chain on native devices).
   * @throws InvalidArgumentError for a malformed request (nothing of the array is posted).
   * @throws UnsupportedError for an opcode the QP type does not allow.
   * @throws RdmaError `ERR_BAD_STATE` before RTS. @throws VerbsError `ENOMEM` when the send queue is full (on a native device part of a chain may already be posted; the message says how many).
   * @throws ClosedError when the QP or a region is closed.
   */
  postSend(wr: SendWorkRequest | readonly SendWorkRequest[]): void {
    this.life.assertOpen();
    this.raw.postSend(toSendWrSpecs(wr, this.caps, this.#sendSpecs));
  }

  /**
   * Post receive requests (one provider call for an array).
   * @throws InvalidArgumentError for a malformed request, or when the QP uses an SRQ.
   * @throws VerbsError `ENOMEM` when the receive queue is full.
   * @throws ClosedError when the QP or a region is closed.
   */
  postRecv(wr: RecvWorkRequest | readonly RecvWorkRequest[]): void {
    this.life.assertOpen();
    if (this.srq) throw new InvalidArgumentError('wr', 'this QP takes its receives from a shared receive queue: post to the SRQ');
    this.raw.postRecv(toRecvWrSpecs(wr, this.caps.maxSge, this.#recvSpecs));
  }

  /**
   * Validate and pack send requests once, to post them many times with
   * `prepared.post()` (one provider call, no validation but of what a
   * setter changes): the way to reach C's message rate from JavaScript.
   * Opcodes, flags, regions and address handles stay as prepared; ids,
   * SGE offsets and lengths, remote addresses, rkeys, immediate data and
   * atomic operands change through the setters. Closing the QP or a
   * region the requests use makes `post()` throw `ClosedError`.
   * @throws InvalidArgumentError for a malformed request (as `postSend`), an empty array, or more than `maxSendWr` requests.
   * @throws UnsupportedError for an opcode the QP type does not allow.
   * @throws ClosedError when the QP or a region is closed.
   */
  prepareSend(wr: SendWorkRequest | readonly SendWorkRequest[]): PreparedSend {
    this.life.assertOpen();
    const wrs: readonly SendWorkRequest[] = Array.isArray(wr) ? wr : [wr as SendWorkRequest];
    checkPreparedCount(wrs.length, this.caps.maxSendWr, 'maxSendWr');
    const pool = sendSpecPool();
    toSendWrSpecs(wrs, this.caps, pool);
    const specs = pool.specs(wrs.length).slice();
    return new PreparedSend(this, specs, wrs, this.caps.maxInline, this.raw.prepareSend(specs));
  }

  /**
   * Validate and pack receive requests once, to post them many times with
   * `prepared.post()`; ids and SGE ranges change through the setters.
   * Closing the QP or a region makes `post()` throw `ClosedError`.
   * @throws InvalidArgumentError for a malformed request, an empty array,
   *   more than `maxRecvWr` requests, or a QP that uses an SRQ.
   * @throws ClosedError when the QP or a region is closed.
   */
  prepareRecv(wr: RecvWorkRequest | readonly RecvWorkRequest[]): PreparedRecv {
    this.life.assertOpen();
    if (this.srq) throw new InvalidArgumentError('wr', 'this QP takes its receives from a shared receive queue: post to the SRQ');
    const wrs: readonly RecvWorkRequest[] = Array.isArray(wr) ? wr : [wr as RecvWorkRequest];
    checkPreparedCount(wrs.length, this.caps.maxRecvWr, 'maxRecvWr');
    const pool = recvSpecPool();
    toRecvWrSpecs(wrs, this.caps.maxSge, pool);
    const specs = pool.specs(wrs.length).slice();
    return new PreparedRecv(this, specs, wrs, this.raw.prepareRecv(specs));
  }

  /**
   * Move the QP to ERR (`ibv_modify_qp` to IBV_QPS_ERR): every outstanding
   * request completes with WR_FLUSH_ERR, and so does every one posted later.
   * @throws ClosedError when closed.
   */
  toError(): void {
    this.life.assertOpen();
    this.raw.toError();
  }

  /** Destroy (`ibv_destroy_qp`). Outstanding requests are dropped. Idempotent; never throws. */
  override close(): void {
    if (this.closed) return;
    super.close();
    this.sendCq.removeUser(this);
    this.recvCq.removeUser(this);
    this.srq?.removeUser(this);
  }
}

const CONNECT_OPTIONS = optionShape<ConnectOptions>({
  rnrRetry: 'integer', minRnrTimer: 'integer', retryCnt: 'integer', timeout: 'integer', maxRdAtomic: 'integer',
});

function toConnectSpec(o: ConnectOptions): Required<ConnectOptions> {
  checkOptions('connect()', 'options', o, CONNECT_OPTIONS);
  return {
    rnrRetry: checkInt('options.rnrRetry', o.rnrRetry ?? 7, 0, 7),
    minRnrTimer: checkInt('options.minRnrTimer', o.minRnrTimer ?? 12, 0, 31),
    retryCnt: checkInt('options.retryCnt', o.retryCnt ?? 7, 0, 7),
    timeout: checkInt('options.timeout', o.timeout ?? 14, 0, 31),
    maxRdAtomic: checkInt('options.maxRdAtomic', o.maxRdAtomic ?? 1, 1, 16),
  };
}

function checkPreparedCount(n: number, max: number, limit: string): void {
  if (n < 1 || n > max) throw new InvalidArgumentError('wr', `must hold 1 to ${max} requests (the QP's ${limit}), got ${n}`);
}
