import { randomInt } from 'node:crypto';
import type { PreparedBackend, QpBackend, QpInitSpec, RecvWrSpec, SendWrSpec } from '../../provider/spi.js';
import { ENDPOINT_VERSION, type Endpoint } from '../../types/endpoint.js';
import type { AhValues, QpAttributes, QpModifySpec } from '../../types/qp-attributes.js';
import { QpState, QpType } from '../../constants/qp.js';
import { ProviderName } from '../../constants/provider-name.js';
import type { NativeQpObject } from './addon.js';
import type { NativeContext } from './context.js';
import { WrPacker } from './pack.js';
import { NativePrepared } from './prepared.js';
import { badState } from './errors.js';
import { NativeObject } from './native-object.js';

/**
 * A native queue pair. Created in INIT (by the PD); `modify` runs one
 * `ibv_modify_qp` step, `query` is `ibv_query_qp`; posts pack the whole array into one buffer and make
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

  /** The address vector to the peer from the context's port (GRH on RoCE). @throws RdmaError `ERR_NO_GID`. */
  pathTo(remote: Endpoint): AhValues {
    return this.#ctx.addressTo(remote);
  }

  /**
   * One `ibv_modify_qp`. Read/atomic depths above the device's limits
   * (`maxQpInitRdAtom`, `maxQpRdAtom`) are lowered to them.
   * @throws VerbsError naming both states. @throws RdmaError `ERR_NO_GID`.
   */
  async modify(step: Exclude<QpModifySpec, { readonly state: typeof QpState.ERR }>): Promise<void> {
    const dev = this.#ctx.rawDeviceAttributes();
    if (step.state === QpState.RTR && step.attrs !== null) {
      this.raw.modify(step.state, { ...step.attrs, maxDestRdAtomic: Math.min(step.attrs.maxDestRdAtomic, dev.maxQpRdAtom) });
    } else if (step.state === QpState.RTS) {
      this.raw.modify(step.state, { ...step.attrs, maxRdAtomic: Math.min(step.attrs.maxRdAtomic, dev.maxQpInitRdAtom) });
      this.#ready = true;
    } else {
      this.raw.modify(step.state, step.attrs);
    }
  }

  /** `ibv_query_qp`. @throws VerbsError. */
  query(): QpAttributes {
    return this.raw.query();
  }

  /**
   * One `ibv_post_send` chain for the whole array.
   * @throws RdmaError `ERR_BAD_STATE` before `connect()`. @throws VerbsError `ENOMEM` when the send queue is full.
   */
  postSend(wrs: readonly SendWrSpec[]): void {
    const n = this.#packer.packSend(wrs);
    this.#postPackedSend(this.#packer.buffer, n);
  }

  #postPackedSend(buffer: ArrayBuffer, count: number): void {
    if (!this.#ready && !this.#errored) {
      // Moved to RTS by someone else (the connection manager): ask the device once.
      const state = this.state();
      if (state !== QpState.RTS && state !== QpState.SQD) throw badState(this.qpn, state);
      this.#ready = true;
    }
    this.raw.postSend(buffer, count);
  }

  /** Packed once into a buffer of their own; each post is one `ibv_post_send` chain. */
  prepareSend(wrs: readonly SendWrSpec[]): PreparedBackend {
    return new NativePrepared(wrs, 'send', (buffer, count) => this.#postPackedSend(buffer, count));
  }

  /** Packed once; each post is one `ibv_post_recv` chain. */
  prepareRecv(wrs: readonly RecvWrSpec[]): PreparedBackend {
    return new NativePrepared(wrs, 'recv', (buffer, count) => this.raw.postRecv(buffer, count));
  }

  /** One `ibv_post_recv` chain. @throws VerbsError `ENOMEM` when the receive queue is full. */
  postRecv(wrs: readonly RecvWrSpec[]): void {
    const n = this.#packer.packRecv(wrs);
    this.raw.postRecv(this.#packer.buffer, n);
  }

  /** Move to ERR: outstanding requests flush. */
  toError(): void {
    this.raw.modify(QpState.ERR, null);
    this.#errored = true;
  }
}
