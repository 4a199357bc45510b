import type { CmAddress, CmConnParam, CmEventRecord, CmIdBackend } from '../../provider/cm-spi.js';
import type { QpBackend } from '../../provider/spi.js';
import { CmEventType } from '../../constants/cm-event.js';
import { downcast } from '../../provider/downcast.js';
import type { NativeCmIdObject } from './addon.js';
import { NativeObject } from './native-object.js';
import { NativeQp } from './qp.js';

/** Events after which the id waits for nothing (the process need not stay alive for it). */
const SETTLED: ReadonlySet<number> = new Set([
  CmEventType.ADDR_RESOLVED, CmEventType.ADDR_ERROR, CmEventType.ROUTE_RESOLVED, CmEventType.ROUTE_ERROR,
  CmEventType.CONNECT_ERROR, CmEventType.UNREACHABLE, CmEventType.REJECTED, CmEventType.DISCONNECTED,
  CmEventType.TIMEWAIT_EXIT, CmEventType.DEVICE_REMOVAL,
]);

/**
 * A native CM id: librdmacm's `rdma_cm_id` with its own event channel,
 * watched on the event loop. The addon moves the queue pair through its
 * states (`rdma_init_qp_attr` + `ibv_modify_qp`) and reports ESTABLISHED
 * once it is in RTS. While a listen, a resolution or a connection is in
 * progress the id keeps the process alive, as a socket does.
 */
export class NativeCmId extends NativeObject<NativeCmIdObject> implements CmIdBackend {
  #listener: ((event: CmEventRecord) => void) | null = null;
  readonly #early: CmEventRecord[] = [];
  #listening = false;

  constructor(raw: NativeCmIdObject) {
    super(raw);
    raw.onEvent((type, status, privateData, child, initiatorDepth, responderResources) => {
      if (SETTLED.has(type)) raw.setRef(this.#listening);
      if (type === CmEventType.ESTABLISHED) raw.setRef(true);
      const event: CmEventRecord = {
        type, status, privateData,
        ...(child === null ? {} : { child: new NativeCmId(child), initiatorDepth, responderResources }),
      };
      if (this.#listener) this.#listener(event);
      else this.#early.push(event);
    });
  }

  onEvent(listener: (event: CmEventRecord) => void): void {
    this.#listener = listener;
    for (const e of this.#early.splice(0)) listener(e);
  }

  bind(local: CmAddress): void {
    this.raw.bind(local.address, local.port);
  }

  listen(backlog: number): Promise<void> {
    this.raw.listen(backlog);
    this.#listening = true;
    this.raw.setRef(true);
    return Promise.resolve();
  }

  resolveAddr(source: CmAddress | null, destination: CmAddress, timeoutMs: number): void {
    this.raw.resolveAddr(source?.address ?? null, source?.port ?? 0, destination.address, destination.port, timeoutMs);
    this.raw.setRef(true);
  }

  resolveRoute(timeoutMs: number): void {
    this.raw.resolveRoute(timeoutMs);
    this.raw.setRef(true);
  }

  deviceName(): string | null { return this.closed ? null : this.raw.deviceName(); }
  localAddress(): CmAddress | null { return this.closed ? null : this.raw.localAddress(); }
  remoteAddress(): CmAddress | null { return this.closed ? null : this.raw.remoteAddress(); }

  connect(qp: QpBackend, param: CmConnParam): void {
    const q = downcast(qp, NativeQp, 'qp', 'a queue pair of a native device');
    this.raw.connect(q.raw, param, param.privateData);
    this.raw.setRef(true);
  }

  accept(qp: QpBackend, param: CmConnParam): void {
    const q = downcast(qp, NativeQp, 'qp', 'a queue pair of a native device');
    this.raw.accept(q.raw, param, param.privateData);
    this.raw.setRef(true);
  }

  reject(privateData: Uint8Array | null): void {
    this.raw.reject(privateData);
  }

  disconnect(): void {
    this.raw.disconnect();
  }

  protected override onClose(): void {
    this.#listener = null;
    this.#early.length = 0;
  }
}
