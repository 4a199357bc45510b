import { randomInt } from 'node:crypto';
import type { ConnectSpec, QpBackend, QpInitSpec, RecvWrSpec, SendWrSpec } from '../../provider/spi.js';
import { ENDPOINT_VERSION, type Endpoint } from '../../types/endpoint.js';
import { QpState, QpType } from '../../constants/qp.js';
import { ProviderName } from '../../constants/provider-name.js';
import type { NativeQpObject } from './addon.js';
import type { NativeContext } from './context.js';
import { WrPacker } from './pack.js';
import { badState } from './errors.js';
import { NativeObject } from './native-object.js';

/**
 * A native queue pair. Created in INIT (by the PD); `connect` runs
 * INIT -> RTR -> RTS; posts pack the whole array into one buffer and make
 * one native call.
 */
export class NativeQp extends NativeObject<NativeQpObject> implements QpBackend {
  readonly qpn: number;
  readonly type: number;
  readonly #ctx: NativeContext;
  readonly #psn = randomInt(0, 0x100_0000);
  readonly #qkey: number;
  readonly #packer: WrPacker;
  #ready = false;
  #errored = false;

  constructor(ctx: NativeContext, raw: NativeQpObject, init: QpInitSpec) {
    super(raw);
    this.#ctx = ctx;
    this.qpn = raw.qpn;
    this.type = init.type;
    this.#qkey = init.qkey;
    this.#packer = new WrPacker(Math.min(init.maxSendWr, 64) * (64 + 16 * init.maxSge));
  }

  /** `QpState` from `ibv_query_qp` (RESET once closed). */
  state(): number {
    if (this.closed) return QpState.RESET;
    try {
      return this.raw.state();
    } catch {
      return this.#errored ? QpState.ERR : this.#ready ? QpState.RTS : QpState.INIT;
    }
  }

  /** @throws RdmaError `ERR_NO_GID` when the port has no usable GID. */
  endpoint(): Endpoint {
    const port = this.#ctx.port;
    const attrs = this.#ctx.portAttributes();
    const gid = this.#ctx.gidChoice();
    return {
      v: ENDPOINT_VERSION,
      provider: ProviderName.NATIVE,
      lid: attrs.lid,
      gid: gid.gid,
      gidIndex: gid.index,
      qpn: this.qpn,
      psn: this.#psn,
      qpType: this.type,
      ...(this.type === QpType.UD ? { qkey: this.#qkey } : {}),
      mtu: attrs.activeMtu,
      port,
    };
  }

  /**
   * INIT -> RTR -> RTS with path MTU = min(own active MTU, peer's), the
   * peer's QPN and PSN, and a GRH on RoCE.
   * @throws VerbsError naming the transition that failed. @throws RdmaError `ERR_NO_GID`.
   */
  async connect(remote: Endpoint | null, spec: ConnectSpec): Promise<void> {
    const dev = this.#ctx.rawDeviceAttributes();
    const base = {
      ownPsn: this.#psn,
      rnrRetry: spec.rnrRetry,
      minRnrTimer: spec.minRnrTimer,
      retryCnt: spec.retryCnt,
      timeout: spec.timeout,
      maxRdAtomic: Math.min(spec.maxRdAtomic, dev.maxQpInitRdAtom),
      maxDestRdAtomic: Math.min(spec.maxRdAtomic, dev.maxQpRdAtom),
    };
    if (remote === null) {
      this.raw.connect({ ...base, remoteQpn: 0, remotePsn: 0, mtu: 0, dlid: 0, isGlobal: false, dgid: '', sgidIndex: 0, hopLimit: 0, port: this.#ctx.port });
    } else {
      const own = this.#ctx.portAttributes();
      this.raw.connect({
        ...base,
        ...this.#ctx.addressTo(remote),
        remoteQpn: remote.qpn,
        remotePsn: remote.psn,
        mtu: Math.min(own.activeMtu, remote.mtu),
      });
    }
    this.#ready = true;
  }

  /**
   * One `ibv_post_send` chain for the whole array.
   * @throws RdmaError `ERR_BAD_STATE` before `connect()`. @throws VerbsError `ENOMEM` when the send queue is full.
   */
  postSend(wrs: readonly SendWrSpec[]): void {
    if (!this.#ready && !this.#errored) throw badState(this.qpn, this.state());
    const n = this.#packer.packSend(wrs);
    this.raw.postSend(this.#packer.buffer, n);
  }

  /** One `ibv_post_recv` chain. @throws VerbsError `ENOMEM` when the receive queue is full. */
  postRecv(wrs: readonly RecvWrSpec[]): void {
    const n = this.#packer.packRecv(wrs);
    this.raw.postRecv(this.#packer.buffer, n);
  }

  /** Move to ERR: outstanding requests flush. */
  toError(): void {
    this.raw.toError();
    this.#errored = true;
  }
}
