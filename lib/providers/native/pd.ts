import type { MrBackend, PdBackend, QpBackend, QpInitSpec, SrqBackend, AhBackend } from '../../provider/spi.js';
import type { Endpoint } from '../../types/endpoint.js';
import { downcast } from '../../provider/downcast.js';
import type { NativePdObject } from './addon.js';
import type { NativeContext } from './context.js';
import { NativeMr } from './mr.js';
import { NativeCq } from './cq.js';
import { NativeQp } from './qp.js';
import { NativeSrq } from './srq.js';
import { NativeAh } from './ah.js';
import { NativeObject } from './native-object.js';

/** A native protection domain. */
export class NativePd extends NativeObject<NativePdObject> implements PdBackend {
  readonly #ctx: NativeContext;

  constructor(ctx: NativeContext, raw: NativePdObject) {
    super(raw);
    this.#ctx = ctx;
  }

  /**
   * `ibv_reg_mr` over exactly these bytes; the region keeps them alive.
   * @throws VerbsError `ENOMEM`/`EPERM` with the memlock limit and how to raise it.
   */
  registerMemory(bytes: Uint8Array, access: number): MrBackend {
    return new NativeMr(this.raw.regMr(bytes, access), bytes);
  }

  /**
   * `ibv_create_qp`, then RESET -> INIT on the context's port.
   * @throws InvalidArgumentError for queues of another provider. @throws VerbsError when refused.
   */
  createQp(init: QpInitSpec): QpBackend {
    const sendCq = downcast(init.sendCq, NativeCq, 'init.sendCq', 'a completion queue of a native device');
    const recvCq = downcast(init.recvCq, NativeCq, 'init.recvCq', 'a completion queue of a native device');
    const srq = init.srq === null ? null : downcast(init.srq, NativeSrq, 'init.srq', 'a shared receive queue of a native device');
    const raw = this.raw.createQp(sendCq.raw, recvCq.raw, srq ? srq.raw : null, {
      type: init.type,
      maxSendWr: init.maxSendWr,
      maxRecvWr: init.maxRecvWr,
      maxSge: init.maxSge,
      maxInline: init.maxInline,
      sqSigAll: init.sqSigAll,
      qkey: init.qkey,
      access: init.access,
      port: this.#ctx.port,
    });
    return new NativeQp(this.#ctx, raw, init);
  }

  /** `ibv_create_srq`. @throws VerbsError / UnsupportedError when refused. */
  createSrq(maxWr: number, maxSge: number): SrqBackend {
    return new NativeSrq(this.raw.createSrq(maxWr, maxSge));
  }

  /** `ibv_create_ah` to the peer (GRH on RoCE). @throws VerbsError when no route exists. */
  createAh(remote: Endpoint): AhBackend {
    return new NativeAh(this.raw.createAh(this.#ctx.addressTo(remote)));
  }
}
