/**
 * The provider interface: what a provider (native, loopback) implements.
 * The public classes (`Context`, `ProtectionDomain`, ...) validate input,
 * own lifetimes and call these; a provider may assume its input is valid
 * (bounds checked, ids in range, objects open).
 */
import type {
  AsyncEvent, DeviceAttributes, DeviceInfo, GidEntry, PortAttributes, ProviderStatus,
} from '../types/device.js';
import type { ProviderName } from '../constants/provider-name.js';
import type { DeviceCapabilities } from './capabilities.js';
import type { Endpoint } from '../types/endpoint.js';
import type { AhValues, QpAttributes, QpModifySpec } from '../types/qp-attributes.js';
import type { QpState } from '../constants/qp.js';
import type { WcBatch } from '../wc-batch.js';
import type { OptionShape } from '../validate/options.js';
import type { CmBackend } from './cm-spi.js';

/**
 * A provider: one source of devices. `Options` is its own `openDevice()`
 * options type; `openOptions` names its keys with their types (the registry
 * rejects a key no provider declares or a value of the wrong type, and
 * hands each provider the options as given; the provider checks ranges).
 */
export interface ProviderBackend<Options extends object = object> {
  readonly name: ProviderName;
  /** The keys of `Options`, with their types. */
  readonly openOptions: Partial<OptionShape<Options>>;
  status(): ProviderStatus;
  /** Its devices, with everything it knows about them (SR-IOV role included). */
  listDevices(): DeviceInfo[];
  /**
   * @throws RdmaError with code `"ERR_NO_DEVICE"` when the name is not one of its devices.
   * @throws InvalidArgumentError for a malformed option of its own.
   */
  open(name: string, options: Options): Promise<ContextBackend>;
}

/** A validated scatter/gather element. `offset + length <= mr.length` holds. */
export interface SgeSpec {
  readonly mr: MrBackend;
  readonly offset: number;
  readonly length: number;
}

/** A validated send work request. Fields that do not apply to the opcode are 0. */
export interface SendWrSpec {
  readonly wrId: number;
  readonly opcode: number;
  readonly sgList: readonly SgeSpec[];
  /** Sum of the SGE lengths. */
  readonly length: number;
  readonly imm: number;
  readonly remoteAddr: bigint;
  readonly rkey: number;
  readonly compareAdd: bigint;
  readonly swap: bigint;
  /** `SendFlags` bits (SIGNALED already folded in from the QP's `sqSigAll`). */
  readonly flags: number;
  readonly ah: AhBackend | null;
  readonly remoteQpn: number;
  readonly remoteQkey: number;
}

/** A validated receive work request. */
export interface RecvWrSpec {
  readonly wrId: number;
  readonly sgList: readonly SgeSpec[];
  readonly length: number;
}

/** What `createQp` passes to a provider. */
export interface QpInitSpec {
  readonly type: number;
  readonly sendCq: CqBackend;
  readonly recvCq: CqBackend;
  readonly srq: SrqBackend | null;
  readonly maxSendWr: number;
  readonly maxRecvWr: number;
  readonly maxSge: number;
  readonly maxInline: number;
  readonly sqSigAll: boolean;
  /** UD: the Q_Key. */
  readonly qkey: number;
  /** Access flags for incoming RDMA on this QP (`Access` bits). */
  readonly access: number;
}

export interface ContextBackend {
  readonly device: DeviceInfo;
  /** What the device can do (computed once per context). */
  capabilities(): DeviceCapabilities;
  queryDevice(): DeviceAttributes;
  queryPort(port: number): PortAttributes;
  gidTable(port: number): GidEntry[];
  /** The P_Key table of a port, every index (`ibv_query_pkey`); unused entries are 0. */
  pkeyTable(port: number): number[];
  allocPd(): PdBackend;
  createCq(depth: number): CqBackend;
  /** Register the one listener for async events. */
  onAsyncEvent(listener: (event: AsyncEvent) => void): void;
  /**
   * The connection manager of this device; absent when the provider has none.
   * @throws UnsupportedError when the provider has one but it cannot be used (the message says why).
   */
  cm?(): CmBackend;
  /** Memory suited to registration, of the kind `capabilities().memory` names. */
  allocate(size: number): Uint8Array;
  /** Release everything; idempotent; never throws. */
  close(): void;
}

export interface PdBackend {
  /** @param bytes the exact registered range; the provider keeps it alive until `close()`. */
  registerMemory(bytes: Uint8Array, access: number): MrBackend;
  /** Create the QP and move it to INIT (port 1, P_Key index 0, `init.access`, UD Q_Key). */
  createQp(init: QpInitSpec): QpBackend;
  createSrq(maxWr: number, maxSge: number): SrqBackend;
  createAh(remote: Endpoint): AhBackend;
  close(): void;
}

export interface MrBackend {
  readonly lkey: number;
  readonly rkey: number;
  readonly addr: bigint;
  readonly length: number;
  /** The registered bytes. */
  readonly bytes: Uint8Array;
  close(): void;
}

export interface CqBackend {
  /** Store up to `max` completions into `batch` starting at slot 0; returns the count. */
  poll(batch: WcBatch, max: number): number;
  /**
   * True when a poll would return a completion (or throw), consuming
   * nothing: a provider that must take completions from the device to know
   * keeps them for the next polls, in order. Cheap enough to spin on.
   */
  ready(): boolean;
  /**
   * Whether a completion can come while this thread spins: false where
   * completions come only through this thread's event loop (then `wait()`
   * sleeps at once).
   */
  canSpin(): boolean;
  /**
   * Resolve once completions may be waiting (after arming the completion
   * channel where there is one). Rejects when the CQ fails (overrun).
   */
  waitForCompletion(): Promise<void>;
  close(): void;
}

export interface QpBackend {
  readonly qpn: number;
  /** `QpState` value. */
  state(): number;
  endpoint(): Endpoint;
  /**
   * One step of the state machine: INIT -> INIT, INIT -> RTR or RTR -> RTS
   * (a new QP is already in INIT; ERR goes through `toError`). The caller
   * checked the transition and filled in every attribute.
   * @throws RdmaError `ERR_UNREACHABLE` (loopback) for an RTR path to a GID no node has.
   * @throws VerbsError when a native device refuses.
   */
  modify(step: Exclude<QpModifySpec, { readonly state: typeof QpState.ERR }>): Promise<void>;
  /** Every attribute, as `ibv_query_qp` reports them. */
  query(): QpAttributes;
  /** The address vector from this QP's port to `remote` (a GRH where the link needs one). */
  pathTo(remote: Endpoint): AhValues;
  /**
   * @throws RdmaError `ERR_BAD_STATE` before RTS (a QP in ERR accepts posts and flushes them).
   * @throws VerbsError `ENOMEM` when the queue is full. The loopback posts
   *   nothing of the array then; a native chain may be partly posted (the
   *   verbs cannot undo that) and the error says how many went in.
   * The specs are the caller's and change at its next post: a provider
   * that keeps one past the call keeps a copy (`copySendWrSpec`).
   */
  postSend(wrs: readonly SendWrSpec[]): void;
  /** Likewise: a provider that keeps a spec past the call keeps a copy (`copyRecvWrSpec`). */
  postRecv(wrs: readonly RecvWrSpec[]): void;
  /**
   * Keep `wrs` for posting again and again (packed once where the provider
   * packs). The caller owns the specs and changes them only through its
   * setters, each followed by `changed(i)`.
   */
  prepareSend(wrs: readonly SendWrSpec[]): PreparedBackend;
  /** The same for receive requests. */
  prepareRecv(wrs: readonly RecvWrSpec[]): PreparedBackend;
  /** Move to ERR: outstanding requests flush with WR_FLUSH_ERR. */
  toError(): void;
  close(): void;
}

/** Requests prepared once and posted many times. */
export interface PreparedBackend {
  /** Request `i` of the prepared specs changed (repack it). */
  changed(i: number): void;
  /** Post every prepared request, as `postSend` / `postRecv` would (and throwing what they throw). */
  post(): void;
}

export interface SrqBackend {
  /** The specs change at the caller's next post: a provider that keeps one keeps a copy (`copyRecvWrSpec`). */
  postRecv(wrs: readonly RecvWrSpec[]): void;
  close(): void;
}

export interface AhBackend {
  close(): void;
}
