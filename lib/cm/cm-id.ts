import type { CmAddress, CmConnParam, CmEventRecord, CmIdBackend } from '../provider/cm-spi.js';
import { CmEventType, CmPortSpace, CmPrivateDataLimit, cmEventName } from '../constants/cm-event.js';
import { QpType } from '../constants/qp.js';
import { CloseRank, Lifetime } from '../lifetime.js';
import { ClosedError } from '../errors/closed-error.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { RdmaError } from '../errors/rdma-error.js';
import { checkCmAddress } from '../validate/cm-address.js';
import { checkPrivateData } from '../validate/private-data.js';
import { checkInt } from '../validate/numbers.js';
import { checkOptions, optionShape } from '../validate/options.js';
import { EventQueue } from './event-queue.js';
import { eventError } from './event-error.js';
import type { CmEvent } from './cm-event.js';
import type { CmIdState } from './cm-id-state.js';
import type { Context } from '../context.js';
import type { ProtectionDomain, QueuePairInit } from '../protection-domain.js';
import type { QueuePair } from '../queue-pair.js';

export type { CmAddress } from '../provider/cm-spi.js';

/** Options for `Context.createCmId()`. */
export interface CmIdInit {
  /** `CmPortSpace.TCP` (RC queue pairs), the default and, for now, the only one. */
  readonly portSpace?: number;
}

/** Options for `CmId.resolveAddr()` and `resolveRoute()`. */
export interface CmResolveOptions {
  /** How long the CM may take, 1..60000 ms; default 2000. */
  readonly timeoutMs?: number;
}

/** Options for `CmId.resolveAddr()`. */
export interface CmResolveAddrOptions extends CmResolveOptions {
  /** The local address (and port, 0 = any) to connect from; default: the CM chooses. */
  readonly source?: CmAddress;
}

/** Options for `CmId.connect()` and `accept()`. */
export interface CmConnectOptions {
  /** Sent to the peer: at most 56 bytes with `connect()`, 196 with `accept()`. */
  readonly privateData?: Uint8Array | ArrayBuffer;
  /** RDMA reads/atomics the peer may have outstanding towards us, 0..16 (default: the device's limit, at most 16; on accept, at most what the connector asked). */
  readonly responderResources?: number;
  /** RDMA reads/atomics we may have outstanding towards the peer, 0..16 (default like `responderResources`). */
  readonly initiatorDepth?: number;
  /** Transport retries, 0..7; default 7. */
  readonly retryCount?: number;
  /** Receiver-not-ready retries, 0..7 (7 = forever); default 7. */
  readonly rnrRetryCount?: number;
}

/** What `connect()` resolves to. */
export interface CmEstablished {
  /** The private data the peer sent with its accept, or null. */
  readonly privateData: Uint8Array | null;
}

const INIT_SHAPE = optionShape<CmIdInit>({ portSpace: 'integer' });
const RESOLVE_SHAPE = optionShape<CmResolveAddrOptions>({ timeoutMs: 'integer', source: 'object' });
const ROUTE_SHAPE = optionShape<CmResolveOptions>({ timeoutMs: 'integer' });
const CONNECT_SHAPE = optionShape<CmConnectOptions>({
  privateData: 'object', responderResources: 'integer', initiatorDepth: 'integer', retryCount: 'integer', rnrRetryCount: 'integer',
});

interface Waiter {
  readonly verb: string;
  readonly done: number;
  readonly timeoutMs: number;
  readonly resolve: (event: CmEventRecord) => void;
  readonly reject: (err: Error) => void;
}

/**
 * A connection-manager id (`rdma_cm_id`): an endpoint named by an IP
 * address and port, that connects an RC queue pair to a peer's the way
 * librdmacm does, so vrdma talks to rping, perftest `-R` and any other
 * rdma_cm program.
 *
 * Client: `resolveAddr()`, `resolveRoute()`, `createQp()`, `connect()`.
 * Server: `bind()`, `listen()`, then each CONNECT_REQUEST event carries a
 * new id: `createQp()` on it and `accept()` (or `reject()`). Either side:
 * `disconnect()`. The CM drives the queue pair through RTR and RTS; do not
 * call `qp.connect()` or `qp.modify()` on it.
 *
 * Every event is also yielded by `for await (const ev of id)` (and
 * `nextEvent()`), in order, kept until read; iteration ends when the id
 * closes. The id is a child of its context: closing the context closes it.
 * `close()` (`rdma_destroy_id`) closes the id's queue pair first, leaves a
 * connected peer DISCONNECTED, and is idempotent.
 */
export class CmId implements Disposable, AsyncIterable<CmEvent> {
  /** The context (device) the id works on. */
  readonly context: Context;
  /** `CmPortSpace` value. */
  readonly portSpace: number;
  readonly #backend: CmIdBackend;
  readonly #life: Lifetime;
  readonly #parent: Lifetime;
  readonly #events = new EventQueue<CmEvent>();
  #state: CmIdState;
  #qp: QueuePair | null = null;
  #waiter: Waiter | null = null;
  #request: { initiatorDepth: number; responderResources: number } | null = null;

  /** @internal Use `Context.createCmId()`. */
  constructor(context: Context, backend: CmIdBackend, portSpace: number, parent: Lifetime, state: CmIdState = 'idle') {
    this.context = context;
    this.portSpace = portSpace;
    this.#backend = backend;
    this.#parent = parent;
    this.#state = state;
    this.#life = new Lifetime(this, 'CmId', parent);
    parent.adopt(this, CloseRank.CM_ID);
    backend.onEvent((event) => this.#onEvent(event));
  }

  /** @internal Validate `Context.createCmId()` options; returns the port space. */
  static checkInit(init: CmIdInit): number {
    checkOptions('createCmId()', 'init', init, INIT_SHAPE);
    const ps = init.portSpace ?? CmPortSpace.TCP;
    if (ps !== CmPortSpace.TCP) throw new InvalidArgumentError('init.portSpace', `only CmPortSpace.TCP (${CmPortSpace.TCP}) is offered, got ${ps}`);
    return ps;
  }

  /** True after `close()` (its own or the context's). */
  get closed(): boolean { return this.#life.closed; }
  /** Where the id is in its life: `"idle"`, `"listening"`, `"connected"`, ... */
  get state(): CmIdState { return this.#state; }
  /** The queue pair made with `createQp()`, or null. */
  get qp(): QueuePair | null { return this.#qp; }
  /** The local address and port, once bound or resolved. */
  get localAddress(): CmAddress | null { return this.closed ? null : this.#backend.localAddress(); }
  /** The peer's address and port, once resolved (or, on a CONNECT_REQUEST id, the connector's). */
  get remoteAddress(): CmAddress | null { return this.closed ? null : this.#backend.remoteAddress(); }

  /**
   * Bind to a local address and port (`rdma_bind_addr`); `0.0.0.0` or `::`
   * binds to every device, port 0 to any free port.
   * @throws InvalidArgumentError for a malformed address or port.
   * @throws RdmaError `ERR_BAD_STATE` unless the id is idle.
   * @throws VerbsError `rdma_bind_addr` (`EADDRNOTAVAIL`: not an address of this host; `EADDRINUSE`).
   * @throws RdmaError `ERR_WRONG_DEVICE` when the address belongs to another device than the id's context.
   * @throws ClosedError when closed.
   */
  bind(local: CmAddress): void {
    this.#life.assertOpen();
    const addr = checkCmAddress('bind()', 'local', local, 0);
    this.#expect('bind()', 'idle');
    this.#backend.bind(addr);
    this.#checkDevice('bind()');
    this.#state = 'bound';
  }

  /**
   * Listen for connect requests (`rdma_listen`); each arrives as a
   * CONNECT_REQUEST event carrying a new `CmId`. Bind first.
   * @param backlog - requests waiting for `accept()`/`reject()`, 1..1024; default 16.
   * @throws InvalidArgumentError for a bad backlog.
   * @throws RdmaError `ERR_BAD_STATE` unless bound.
   * @throws VerbsError `rdma_listen` (`EADDRINUSE` when another id listens on the port).
   * @throws ClosedError when closed.
   */
  async listen(backlog = 16): Promise<void> {
    this.#life.assertOpen();
    checkInt('backlog', backlog, 1, 1024);
    this.#expect('listen()', 'bound');
    this.#state = 'listening';
    try {
      await this.#backend.listen(backlog);
    } catch (err) {
      this.#state = 'bound';
      throw err;
    }
  }

  /**
   * Resolve the peer's IP address to a device and port of this host
   * (`rdma_resolve_addr`); resolves on ADDR_RESOLVED.
   * @throws InvalidArgumentError for a malformed address, port (1..65535) or option.
   * @throws RdmaError `ERR_BAD_STATE` unless the id is idle or bound.
   * @throws TimeoutError when the CM gives up within `timeoutMs` (ADDR_ERROR with ETIMEDOUT).
   * @throws VerbsError `rdma_resolve_addr` for another ADDR_ERROR (e.g. `EHOSTUNREACH`, `ENODEV`) or a refused start.
   * @throws RdmaError `ERR_WRONG_DEVICE` when the address is reached through another device than the id's context.
   * @throws ClosedError when closed meanwhile.
   */
  async resolveAddr(destination: CmAddress, options: CmResolveAddrOptions = {}): Promise<void> {
    this.#life.assertOpen();
    const dst = checkCmAddress('resolveAddr()', 'destination', destination, 1);
    checkOptions('resolveAddr()', 'options', options, RESOLVE_SHAPE);
    const src = options.source === undefined ? null : checkCmAddress('resolveAddr()', 'options.source', options.source, 0);
    const timeoutMs = checkInt('options.timeoutMs', options.timeoutMs ?? 2000, 1, 60000);
    const from = this.#expect('resolveAddr()', 'idle', 'bound');
    this.#state = 'resolving-address';
    try {
      await this.#run('rdma_resolve_addr', CmEventType.ADDR_RESOLVED, timeoutMs, () => this.#backend.resolveAddr(src, dst, timeoutMs));
      this.#checkDevice('resolveAddr()');
    } catch (err) {
      if (!this.closed) this.#state = from;
      throw err;
    }
    this.#state = 'address-resolved';
  }

  /**
   * Resolve the path to the peer (`rdma_resolve_route`); resolves on ROUTE_RESOLVED.
   * @throws InvalidArgumentError for a bad option.
   * @throws RdmaError `ERR_BAD_STATE` unless the address is resolved.
   * @throws TimeoutError when the CM gives up within `timeoutMs`.
   * @throws VerbsError `rdma_resolve_route` for another ROUTE_ERROR or a refused start.
   * @throws ClosedError when closed meanwhile.
   */
  async resolveRoute(options: CmResolveOptions = {}): Promise<void> {
    this.#life.assertOpen();
    checkOptions('resolveRoute()', 'options', options, ROUTE_SHAPE);
    const timeoutMs = checkInt('options.timeoutMs', options.timeoutMs ?? 2000, 1, 60000);
    this.#expect('resolveRoute()', 'address-resolved');
    this.#state = 'resolving-route';
    try {
      await this.#run('rdma_resolve_route', CmEventType.ROUTE_RESOLVED, timeoutMs, () => this.#backend.resolveRoute(timeoutMs));
    } catch (err) {
      if (!this.closed) this.#state = 'address-resolved';
      throw err;
    }
    this.#state = 'route-resolved';
  }

  /**
   * Create the RC queue pair this id connects (`rdma_create_qp`): on a PD of
   * the id's context, after `resolveRoute()` (client) or on a
   * CONNECT_REQUEST id (server). The QP stays in INIT until the CM moves it;
   * closing the id closes it.
   * @throws InvalidArgumentError for a PD of another context, a `type` other than RC, or a bad option (as `createQp()`).
   * @throws RdmaError `ERR_BAD_STATE` at another time, or when the id already has a QP.
   * @throws VerbsError when the device refuses.
   * @throws ClosedError when the id or the PD is closed.
   */
  createQp(pd: ProtectionDomain, init: Omit<QueuePairInit, 'type'> & { readonly type?: number }): QueuePair {
    this.#life.assertOpen();
    if (pd.context !== this.context) throw new InvalidArgumentError('pd', 'belongs to another context than this CM id');
    if (init !== null && typeof init === 'object' && init.type !== undefined && init.type !== QpType.RC) {
      throw new InvalidArgumentError('init.type', 'a CM id of the TCP port space connects RC queue pairs only');
    }
    this.#expect('createQp()', 'route-resolved', 'request');
    if (this.#qp && !this.#qp.closed) throw new RdmaError('ERR_BAD_STATE', 'createQp(): this CM id already has a queue pair');
    const qp = pd.createQp({ ...init, type: QpType.RC });
    this.#qp = qp;
    return qp;
  }

  /**
   * Connect (`rdma_connect`) the id's queue pair; resolves on ESTABLISHED
   * with the private data of the peer's accept (the QP is then in RTS).
   * @throws InvalidArgumentError for private data over 56 bytes or a bad option.
   * @throws RdmaError `ERR_BAD_STATE` unless the route is resolved and `createQp()` was called.
   * @throws ConnectionRejectedError on REJECTED: nobody listens on the port (`reason` 8) or the peer rejected (28, with its private data).
   * @throws TimeoutError when the peer never answers (UNREACHABLE with ETIMEDOUT).
   * @throws VerbsError `rdma_connect` for UNREACHABLE, CONNECT_ERROR or a refused start.
   * @throws RdmaError `ERR_DISCONNECTED` when the peer went away meanwhile.
   * @throws ClosedError when closed meanwhile.
   */
  async connect(options: CmConnectOptions = {}): Promise<CmEstablished> {
    this.#life.assertOpen();
    const param = this.#connParam('connect()', options, CmPrivateDataLimit.CONNECT, null);
    this.#expect('connect()', 'route-resolved');
    const qp = this.#needQp('connect()');
    this.#state = 'connecting';
    let event: CmEventRecord;
    try {
      event = await this.#run('rdma_connect', CmEventType.ESTABLISHED, 0, () => this.#backend.connect(qp.backend(), param));
    } catch (err) {
      if (!this.closed) this.#state = 'failed';
      throw err;
    }
    return { privateData: event.privateData };
  }

  /**
   * Accept (`rdma_accept`) the CONNECT_REQUEST this id came with, on the
   * queue pair made with `createQp()`; resolves on ESTABLISHED (QP in RTS).
   * @throws InvalidArgumentError for private data over 196 bytes or a bad option.
   * @throws RdmaError `ERR_BAD_STATE` unless this is a CONNECT_REQUEST id with a QP, not yet answered.
   * @throws VerbsError `rdma_accept` for CONNECT_ERROR, UNREACHABLE or a refused start.
   * @throws TimeoutError when the connector never confirms.
   * @throws RdmaError `ERR_DISCONNECTED` when the connector went away meanwhile.
   * @throws ClosedError when closed meanwhile.
   */
  async accept(options: CmConnectOptions = {}): Promise<void> {
    this.#life.assertOpen();
    const param = this.#connParam('accept()', options, CmPrivateDataLimit.ACCEPT, this.#request);
    this.#expect('accept()', 'request');
    const qp = this.#needQp('accept()');
    this.#state = 'accepting';
    try {
      await this.#run('rdma_accept', CmEventType.ESTABLISHED, 0, () => this.#backend.accept(qp.backend(), param));
    } catch (err) {
      if (!this.closed) this.#state = 'failed';
      throw err;
    }
  }

  /**
   * Reject (`rdma_reject`) the CONNECT_REQUEST this id came with; the
   * connector gets REJECTED (reason 28) with `privateData` (at most 148 bytes).
   * The id is done afterwards: close it.
   * @throws InvalidArgumentError for private data over 148 bytes.
   * @throws RdmaError `ERR_BAD_STATE` unless this is a CONNECT_REQUEST id not yet answered.
   * @throws VerbsError `rdma_reject` when the CM refuses.
   * @throws ClosedError when closed.
   */
  reject(privateData?: Uint8Array | ArrayBuffer): void {
    this.#life.assertOpen();
    const data = checkPrivateData('privateData', privateData, CmPrivateDataLimit.REJECT);
    this.#expect('reject()', 'request');
    this.#backend.reject(data);
    this.#state = 'rejected';
  }

  /**
   * Disconnect (`rdma_disconnect`): the QP moves to ERR (outstanding
   * requests flush) and both sides get DISCONNECTED; resolves on this
   * side's. Resolves at once when the peer already disconnected.
   * @throws RdmaError `ERR_BAD_STATE` unless connected (or already disconnected).
   * @throws VerbsError `rdma_disconnect` when the CM refuses.
   * @throws ClosedError when closed meanwhile.
   */
  async disconnect(): Promise<void> {
    this.#life.assertOpen();
    if (this.#state === 'disconnected') return;
    this.#expect('disconnect()', 'connected');
    this.#state = 'disconnecting';
    this.#qpToError();
    await this.#run('rdma_disconnect', CmEventType.DISCONNECTED, 0, () => this.#backend.disconnect());
  }

  /**
   * The next event (the same stream `for await` reads).
   * @throws ClosedError when the id closes before one comes.
   */
  async nextEvent(): Promise<CmEvent> {
    const r = await this.#events.next();
    if (r.done) throw new ClosedError(this.#life.label);
    return r.value;
  }

  /** The events, in order, until the id closes. */
  [Symbol.asyncIterator](): AsyncIterator<CmEvent, undefined> {
    return { next: () => this.#events.next() };
  }

  /**
   * Destroy the id (`rdma_destroy_id`) after its queue pair; a connected
   * peer gets DISCONNECTED, a waiting method rejects with ClosedError,
   * iteration ends. Idempotent; never throws.
   */
  close(): void {
    this.#life.close(() => {
      try {
        this.#qp?.close();
      } finally {
        this.#backend.close();
        this.#events.end();
        const w = this.#waiter;
        this.#waiter = null;
        w?.reject(new ClosedError(this.#life.label));
      }
    });
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #expect(fn: string, ...states: CmIdState[]): CmIdState {
    if (!states.includes(this.#state)) {
      throw new RdmaError('ERR_BAD_STATE', `${fn} needs a CM id that is ${states.join(' or ')}; this one is ${this.#state}`);
    }
    return this.#state;
  }

  #needQp(fn: string): QueuePair {
    const qp = this.#qp;
    if (!qp || qp.closed) throw new RdmaError('ERR_BAD_STATE', `${fn} needs the queue pair made with createQp()`);
    return qp;
  }

  #checkDevice(fn: string): void {
    const name = this.#backend.deviceName();
    if (name !== null && name !== this.context.device.name) {
      throw new RdmaError('ERR_WRONG_DEVICE', `${fn}: the address is on device ${name}, and this CM id works on ${this.context.device.name}: open ${name} and create the id there`);
    }
  }

  #connParam(fn: string, o: CmConnectOptions, limit: number, request: { initiatorDepth: number; responderResources: number } | null): CmConnParam {
    checkOptions(fn, 'options', o, CONNECT_SHAPE);
    const privateData = checkPrivateData('options.privateData', o.privateData, limit);
    const own = Math.min(16, this.context.queryDevice().maxQpRdAtom);
    return {
      privateData,
      responderResources: checkInt('options.responderResources', o.responderResources ?? Math.min(own, request?.initiatorDepth ?? own), 0, 16),
      initiatorDepth: checkInt('options.initiatorDepth', o.initiatorDepth ?? Math.min(own, request?.responderResources ?? own), 0, 16),
      retryCount: checkInt('options.retryCount', o.retryCount ?? 7, 0, 7),
      rnrRetryCount: checkInt('options.rnrRetryCount', o.rnrRetryCount ?? 7, 0, 7),
    };
  }

  /** Start an operation and wait for the event that ends it. */
  #run(verb: string, done: number, timeoutMs: number, start: () => void): Promise<CmEventRecord> {
    return new Promise((resolve, reject) => {
      this.#waiter = { verb, done, timeoutMs, resolve, reject };
      try {
        start();
      } catch (err) {
        this.#waiter = null;
        reject(err);
      }
    });
  }

  #qpToError(): void {
    const qp = this.#qp;
    if (!qp || qp.closed) return;
    try {
      qp.toError();
    } catch {
      // a QP the device already failed stays as it is
    }
  }

  #onEvent(record: CmEventRecord): void {
    if (this.closed) {
      record.child?.close();
      return;
    }
    let id: CmId | null = null;
    if (record.type === CmEventType.CONNECT_REQUEST && record.child) {
      const name = record.child.deviceName();
      if (name !== null && name !== this.context.device.name) {
        try {
          record.child.reject(null);
        } finally {
          record.child.close();
        }
        return;
      }
      id = new CmId(this.context, record.child, this.portSpace, this.#parent, 'request');
      id.#request = { initiatorDepth: record.initiatorDepth ?? 0, responderResources: record.responderResources ?? 0 };
    }
    if (record.type === CmEventType.ESTABLISHED) this.#state = 'connected';
    if (record.type === CmEventType.DISCONNECTED) {
      this.#qpToError();
      this.#state = 'disconnected';
    }
    this.#events.push({
      type: record.type, typeName: cmEventName(record.type), status: record.status, privateData: record.privateData, id,
      ...(record.initiatorDepth === undefined ? {} : { initiatorDepth: record.initiatorDepth }),
      ...(record.responderResources === undefined ? {} : { responderResources: record.responderResources }),
    });
    this.#settle(record);
  }

  #settle(record: CmEventRecord): void {
    const w = this.#waiter;
    if (!w) return;
    if (record.type === w.done) {
      this.#waiter = null;
      w.resolve(record);
      return;
    }
    if (FAILURES.has(record.type)) {
      this.#waiter = null;
      w.reject(eventError(w.verb, record, w.timeoutMs));
    }
  }
}

/** Events that end a waiting operation with an error. */
const FAILURES: ReadonlySet<number> = new Set([
  CmEventType.ADDR_ERROR, CmEventType.ROUTE_ERROR, CmEventType.CONNECT_ERROR, CmEventType.UNREACHABLE,
  CmEventType.REJECTED, CmEventType.DISCONNECTED, CmEventType.DEVICE_REMOVAL,
]);
