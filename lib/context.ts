import { EventEmitter } from 'node:events';
import type { ContextBackend } from './provider/spi.js';
import type { DeviceCapabilities } from './provider/capabilities.js';
import type { AsyncEvent, DeviceAttributes, DeviceInfo, GidEntry, PortAttributes } from './types/device.js';
import { Lifetime } from './lifetime.js';
import { checkInt } from './validate/numbers.js';
import { checkOptions, optionShape } from './validate/options.js';
import { ProtectionDomain } from './protection-domain.js';
import { CompletionQueue, DEFAULT_SPIN_US, MAX_SPIN_US } from './completion-queue.js';
import { CmId, type CmIdInit } from './cm/cm-id.js';
import { UnsupportedError } from './errors/unsupported-error.js';

/** Options for `Context.createCq()`. */
export interface CqInit {
  /** Capacity in completions, 1..65536; default 256. Overrunning it is an error, never a silent drop. */
  readonly depth?: number;
  /**
   * How long `wait()` and `next()` poll for a completion before they sleep,
   * in microseconds, 0..100000; default `DEFAULT_SPIN_US` (50). 0 never
   * spins. Spinning blocks this thread's event loop for at most that long
   * per wait and saves the cost of waking up (a completion channel event,
   * a cross-thread doorbell) when the answer comes quickly.
   */
  readonly spinUs?: number;
}

const CQ_INIT = optionShape<CqInit>({ depth: 'integer', spinUs: 'integer' });

/** Events a `Context` emits. */
export interface ContextEvents {
  /** An asynchronous event: port up/down, QP fatal, CQ overrun, peer gone (loopback). */
  event: [AsyncEvent];
}

/**
 * An open device (`ibv_context`), from `openDevice()`. Emits `'event'` with
 * each `AsyncEvent`. Closing it closes every PD, QP, region and CQ made from it.
 */
export class Context extends EventEmitter<ContextEvents> {
  readonly #backend: ContextBackend;
  readonly #life: Lifetime;
  #capabilities: DeviceCapabilities | undefined;
  /** The device this context is open on. */
  readonly device: DeviceInfo;

  /** @internal Use `openDevice()`. */
  constructor(backend: ContextBackend) {
    super();
    this.#backend = backend;
    this.device = backend.device;
    this.#life = new Lifetime(this, `Context(${backend.device.name})`, null);
    backend.onAsyncEvent((event) => {
      if (this.listenerCount('event') > 0) this.emit('event', event);
    });
  }

  /** True after `close()`. */
  get closed(): boolean { return this.#life.closed; }

  /**
   * What the device can do, as data: QP types, send opcodes, atomics, SRQ,
   * UD, the kind of memory `allocBuffer()` gives, the largest sizes, and
   * the `openDevice()` options its provider reads. Read once, then cached.
   * @throws ClosedError when read first after `close()`.
   */
  get capabilities(): DeviceCapabilities {
    if (this.#capabilities === undefined) {
      this.#life.assertOpen();
      this.#capabilities = Object.freeze(this.#backend.capabilities());
    }
    return this.#capabilities;
  }

  /** Device attributes (`ibv_query_device`). @throws ClosedError when closed. */
  queryDevice(): DeviceAttributes {
    this.#life.assertOpen();
    return this.#backend.queryDevice();
  }

  /**
   * Port attributes (`ibv_query_port`).
   * @throws InvalidArgumentError for a port outside 1..physPortCnt. @throws ClosedError when closed.
   */
  queryPort(port = 1): PortAttributes {
    this.#life.assertOpen();
    this.#checkPort(port);
    return this.#backend.queryPort(port);
  }

  /**
   * The populated GID entries of a port, with type and netdev.
   * @throws InvalidArgumentError for a bad port. @throws ClosedError when closed.
   */
  gidTable(port = 1): GidEntry[] {
    this.#life.assertOpen();
    this.#checkPort(port);
    return this.#backend.gidTable(port);
  }

  /**
   * The P_Key table of a port (`ibv_query_pkey` for every index, as many as
   * `queryPort(port).pkeyTblLen`): index 0 is the default partition
   * (`0xffff`); unused entries are 0. A QP joins the partition at its
   * `pkeyIndex` (`modify(QpState.INIT, { pkeyIndex })`).
   * @throws InvalidArgumentError for a bad port. @throws VerbsError when a native device refuses. @throws ClosedError when closed.
   */
  pkeyTable(port = 1): number[] {
    this.#life.assertOpen();
    this.#checkPort(port);
    return this.#backend.pkeyTable(port);
  }

  /** Allocate a protection domain (`ibv_alloc_pd`). @throws VerbsError when refused. @throws ClosedError when closed. */
  allocPd(): ProtectionDomain {
    this.#life.assertOpen();
    return new ProtectionDomain(this, this.#backend.allocPd(), this.#life);
  }

  /**
   * Create a completion queue with its completion channel (`ibv_create_cq`).
   * @throws InvalidArgumentError for a bad depth or spin time, or an unknown key. @throws VerbsError when refused. @throws ClosedError when closed.
   */
  createCq(init: CqInit = {}): CompletionQueue {
    this.#life.assertOpen();
    checkOptions('createCq()', 'init', init, CQ_INIT);
    const depth = checkInt('init.depth', init.depth ?? 256, 1, 65536);
    const spinUs = checkInt('init.spinUs', init.spinUs ?? DEFAULT_SPIN_US, 0, MAX_SPIN_US);
    return new CompletionQueue(this, this.#backend.createCq(depth), depth, spinUs, this.#life);
  }

  /**
   * Memory suited to registration on this device: page-aligned on native
   * devices, a `SharedArrayBuffer` (usable from workers) on loopback
   * (`capabilities.memory` says which).
   * @throws InvalidArgumentError for a bad size. @throws ClosedError when closed.
   */
  allocBuffer(size: number): Uint8Array {
    this.#life.assertOpen();
    checkInt('size', size, 1, 2 ** 40);
    return this.#backend.allocate(size);
  }

  /**
   * A connection-manager id (`rdma_create_id`) on this device: connect RC
   * queue pairs by IP address and port, as rdma_cm programs do (see `CmId`).
   * @throws InvalidArgumentError for an unknown key or a port space other than `CmPortSpace.TCP`.
   * @throws UnsupportedError when the provider has no CM (native: librdmacm.so.1 is missing).
   * @throws VerbsError `rdma_create_id` when the CM refuses.
   * @throws ClosedError when closed.
   */
  createCmId(init: CmIdInit = {}): CmId {
    this.#life.assertOpen();
    const portSpace = CmId.checkInit(init);
    if (!this.#backend.cm) throw new UnsupportedError('rdma_cm', `rdma_cm unavailable: the ${this.device.provider} provider has no connection manager yet`);
    return new CmId(this, this.#backend.cm().createId(portSpace), portSpace, this.#life);
  }

  /** Close everything made from this context, then the context. Idempotent; never throws. */
  close(): void {
    this.#life.close(() => this.#backend.close());
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #checkPort(port: number): void {
    checkInt('port', port, 1, this.#backend.queryDevice().physPortCnt);
  }
}
