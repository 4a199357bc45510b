import type { PdBackend } from './provider/spi.js';
import type { Endpoint } from './types/endpoint.js';
import { Access, ACCESS_KNOWN_MASK } from './constants/access.js';
import { QpType, qpTypeName } from './constants/qp.js';
import { CloseRank, type Lifetime } from './lifetime.js';
import { Resource } from './resource.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import { UnsupportedError } from './errors/unsupported-error.js';
import { checkEndpoint } from './validate/endpoint.js';
import { checkInt, describe } from './validate/numbers.js';
import { checkOptions, optionShape } from './validate/options.js';
import { registrableBytes, type RegistrableMemory } from './validate/registrable-memory.js';

export type { RegistrableMemory } from './validate/registrable-memory.js';
import { MemoryRegion } from './memory-region.js';
import { QueuePair } from './queue-pair.js';
import { CompletionQueue } from './completion-queue.js';
import { SharedReceiveQueue } from './shared-receive-queue.js';
import { AddressHandle } from './address-handle.js';
import type { Context } from './context.js';


/** Options for `ProtectionDomain.createQp()`. */
export interface QueuePairInit {
  /** `QpType.RC`, `QpType.UC` or `QpType.UD`. */
  readonly type: number;
  readonly sendCq: CompletionQueue;
  /** Default: `sendCq`. */
  readonly recvCq?: CompletionQueue;
  /** Take receives from this shared receive queue. */
  readonly srq?: SharedReceiveQueue;
  /** Send queue depth, 1..16384; default 128. */
  readonly maxSendWr?: number;
  /** Receive queue depth, 1..16384; default 128 (ignored with an SRQ). */
  readonly maxRecvWr?: number;
  /** Scatter/gather entries per request, 1..32; default 4. */
  readonly maxSge?: number;
  /** Inline payload bytes, 0..1024; default 64. */
  readonly maxInline?: number;
  /** Signal every send regardless of `signaled`; default false. */
  readonly sqSigAll?: boolean;
  /** UD: the Q_Key; default 0x11111111. */
  readonly qkey?: number;
  /** Incoming RDMA allowed on this QP (`Access.REMOTE_*` bits); default write, read and atomic. */
  readonly access?: number;
}

/** Options for `ProtectionDomain.createSrq()`. */
export interface SrqInit {
  /** Capacity, 1..16384; default 256. */
  readonly maxWr?: number;
  /** SGEs per request, 1..32; default 4. */
  readonly maxSge?: number;
}

const QP_INIT = optionShape<QueuePairInit>({
  type: 'integer', sendCq: CompletionQueue, recvCq: CompletionQueue, srq: SharedReceiveQueue, maxSendWr: 'integer',
  maxRecvWr: 'integer', maxSge: 'integer', maxInline: 'integer', sqSigAll: 'boolean', qkey: 'integer', access: 'integer',
});

const SRQ_INIT = optionShape<SrqInit>({ maxWr: 'integer', maxSge: 'integer' });

/** The default UD Q_Key. */
export const DEFAULT_QKEY = 0x11111111;

/**
 * A protection domain (`ibv_pd`): the scope of memory regions and queue pairs.
 * `close()` deallocates it (`ibv_dealloc_pd`) after closing its QPs, address
 * handles, regions and SRQs; idempotent, never throws.
 */
export class ProtectionDomain extends Resource<PdBackend> {
  /** The context it belongs to (kept alive by this PD). */
  readonly context: Context;

  /** @internal Use `Context.allocPd()`. */
  constructor(context: Context, backend: PdBackend, parent: Lifetime) {
    super(backend, 'ProtectionDomain', parent, CloseRank.PD);
    this.context = context;
  }

  /**
   * Register memory (`ibv_reg_mr`). The region covers exactly the bytes of
   * the view (or the whole buffer) and keeps them alive until closed. A
   * non-shared `ArrayBuffer` is marked untransferable (the memory rule in
   * docs/api.md): `postMessage`/`structuredClone` copy it instead of moving it.
   * @param access `Access` flags; REMOTE_WRITE and REMOTE_ATOMIC need LOCAL_WRITE.
   * @throws InvalidArgumentError for an empty, detached, resizable or unsupported buffer, unknown flags, a pooled `Buffer` slice.
   * @throws VerbsError (`ENOMEM`/`EPERM`, with a hint to raise `ulimit -l`) when a native device refuses.
   * @throws ClosedError when the PD is closed.
   */
  registerMemory(buffer: RegistrableMemory, access: number = Access.LOCAL_WRITE): MemoryRegion {
    this.life.assertOpen();
    const bytes = registrableBytes(buffer);
    checkInt('access', access, 0, 0x7fff_ffff);
    if ((access & ~ACCESS_KNOWN_MASK) !== 0) throw new InvalidArgumentError('access', `unknown flag bits 0x${(access & ~ACCESS_KNOWN_MASK).toString(16)}`);
    if ((access & (Access.REMOTE_WRITE | Access.REMOTE_ATOMIC)) !== 0 && (access & Access.LOCAL_WRITE) === 0) {
      throw new InvalidArgumentError('access', 'REMOTE_WRITE and REMOTE_ATOMIC need LOCAL_WRITE too (as in ibv_reg_mr)');
    }
    return new MemoryRegion(this, this.raw.registerMemory(bytes, access), access, this.life);
  }

  /**
   * Create a queue pair (`ibv_create_qp`) and move it to INIT, so receives
   * can be posted before `connect()`.
   * @throws InvalidArgumentError for an unknown key, a value of the wrong type, a bad type or size, or a CQ/SRQ of another context or PD.
   * @throws UnsupportedError when the device does not offer the type.
   * @throws VerbsError when a native device refuses.
   * @throws ClosedError when the PD, a CQ or the SRQ is closed.
   */
  createQp(init: QueuePairInit): QueuePair {
    this.life.assertOpen();
    checkOptions('createQp()', 'init', init, QP_INIT);
    const type = init.type;
    if (type !== QpType.RC && type !== QpType.UC && type !== QpType.UD) {
      throw new InvalidArgumentError('init.type', `must be QpType.RC, QpType.UC or QpType.UD, got ${describe(type)}`);
    }
    if (!this.context.capabilities.qpTypes.includes(type)) {
      throw new UnsupportedError(`${qpTypeName(type)} queue pairs`, `${this.context.device.name} does not offer ${qpTypeName(type)} queue pairs (see context.capabilities.qpTypes)`);
    }
    const sendCq = this.#checkCq('init.sendCq', init.sendCq);
    const recvCq = init.recvCq === undefined ? sendCq : this.#checkCq('init.recvCq', init.recvCq);
    let srq: SharedReceiveQueue | null = null;
    if (init.srq !== undefined) {
      if (!(init.srq instanceof SharedReceiveQueue)) throw new InvalidArgumentError('init.srq', 'must be a SharedReceiveQueue');
      if (init.srq.pd !== this) throw new InvalidArgumentError('init.srq', 'belongs to another protection domain');
    }
    srq = init.srq ?? null;
    const caps = {
      type,
      maxSendWr: checkInt('init.maxSendWr', init.maxSendWr ?? 128, 1, 16384),
      maxRecvWr: checkInt('init.maxRecvWr', init.maxRecvWr ?? 128, 1, 16384),
      maxSge: checkInt('init.maxSge', init.maxSge ?? 4, 1, 32),
      maxInline: checkInt('init.maxInline', init.maxInline ?? 64, 0, 1024),
      sqSigAll: init.sqSigAll ?? false,
    };
    const qkey = checkInt('init.qkey', init.qkey ?? DEFAULT_QKEY, 0, 0xffff_ffff);
    const access = checkInt('init.access', init.access ?? (Access.REMOTE_WRITE | Access.REMOTE_READ | Access.REMOTE_ATOMIC), 0, ACCESS_KNOWN_MASK);
    const backend = this.raw.createQp({
      ...caps, sendCq: sendCq.backend(), recvCq: recvCq.backend(), srq: srq ? srq.backend() : null, qkey, access,
    });
    return new QueuePair(this, backend, caps, sendCq, recvCq, srq, this.life);
  }

  /**
   * Create a shared receive queue (`ibv_create_srq`).
   * @throws InvalidArgumentError for bad sizes or an unknown key.
   * @throws UnsupportedError when the device has no SRQs (`context.capabilities.srq`), or VerbsError when refused.
   * @throws ClosedError when the PD is closed.
   */
  createSrq(init: SrqInit = {}): SharedReceiveQueue {
    this.life.assertOpen();
    checkOptions('createSrq()', 'init', init, SRQ_INIT);
    const maxWr = checkInt('init.maxWr', init.maxWr ?? 256, 1, 16384);
    const maxSge = checkInt('init.maxSge', init.maxSge ?? 4, 1, 32);
    if (!this.context.capabilities.srq) {
      throw new UnsupportedError('shared receive queues', `${this.context.device.name} has no shared receive queues (see context.capabilities.srq)`);
    }
    return new SharedReceiveQueue(this, this.raw.createSrq(maxWr, maxSge), maxWr, maxSge, this.life);
  }

  /**
   * Create an address handle for UD sends to `remote` (`ibv_create_ah`).
   * @throws InvalidArgumentError for a malformed endpoint. @throws VerbsError when no route exists.
   * @throws ClosedError when the PD is closed.
   */
  createAddressHandle(remote: Endpoint): AddressHandle {
    this.life.assertOpen();
    const ep = checkEndpoint('createAddressHandle()', 'remote', remote);
    return new AddressHandle(this, this.raw.createAh(ep), ep, this.life);
  }

  #checkCq(name: string, cq: unknown): CompletionQueue {
    if (!(cq instanceof CompletionQueue)) throw new InvalidArgumentError(name, 'must be a CompletionQueue');
    if (cq.context !== this.context) throw new InvalidArgumentError(name, 'belongs to another context');
    return cq;
  }
}
