import type { ConnectSpec, QpBackend } from './provider/spi.js';
import type { Endpoint } from './types/endpoint.js';
import type { RecvWorkRequest, SendWorkRequest } from './types/work-request.js';
import { QpState, QpType, qpStateName, qpTypeName } from './constants/qp.js';
import { CloseRank, type Lifetime } from './lifetime.js';
import { Resource } from './resource.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import { RdmaError } from './errors/rdma-error.js';
import { toSendWrSpecs } from './validate/send-wr.js';
import { toRecvWrSpecs } from './validate/recv-wr.js';
import { checkEndpoint } from './validate/endpoint.js';
import { checkInt } from './validate/numbers.js';
import type { ProtectionDomain } from './protection-domain.js';
import type { CompletionQueue } from './completion-queue.js';
import type { SharedReceiveQueue } from './shared-receive-queue.js';

/** Options for `QueuePair.connect()`; defaults suit most uses. */
export interface ConnectOptions {
  /** RNR retries before RNR_RETRY_EXC_ERR, 0..7 (7 = for ever); default 7. */
  readonly rnrRetry?: number;
  /** Minimum RNR NAK timer code, 0..31 (verbs encoding; 12 = 0.64 ms); default 12. */
  readonly minRnrTimer?: number;
  /** Transport retries, 0..7; default 7. */
  readonly retryCnt?: number;
  /** Local ACK timeout exponent, 0..31 (4.096 us * 2^n); default 14 (about 67 ms). */
  readonly timeout?: number;
  /** Outstanding RDMA reads/atomics, 1..16; default 1. */
  readonly maxRdAtomic?: number;
}

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
   * Bring the QP to RTS (INIT -> RTR -> RTS). RC and UC need the peer's endpoint; UD takes none.
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
      peer = checkEndpoint('remote', remote);
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
    await this.raw.connect(peer, spec);
    this.#remote = peer;
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
    this.raw.postSend(toSendWrSpecs(wr, this.caps));
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
    this.raw.postRecv(toRecvWrSpecs(wr, this.caps.maxSge));
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

function toConnectSpec(o: ConnectOptions): ConnectSpec {
  if (o === null || typeof o !== 'object') throw new InvalidArgumentError('options', 'must be an object');
  return {
    rnrRetry: checkInt('options.rnrRetry', o.rnrRetry ?? 7, 0, 7),
    minRnrTimer: checkInt('options.minRnrTimer', o.minRnrTimer ?? 12, 0, 31),
    retryCnt: checkInt('options.retryCnt', o.retryCnt ?? 7, 0, 7),
    timeout: checkInt('options.timeout', o.timeout ?? 14, 0, 31),
    maxRdAtomic: checkInt('options.maxRdAtomic', o.maxRdAtomic ?? 1, 1, 16),
  };
}
