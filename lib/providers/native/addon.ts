/**
 * The typed face of the native addon (`build/Release/vrdma.node`) and its
 * loader. Everything the addon exports is declared here; nothing at the
 * boundary is `any`. The addon links to libibverbs normally, so a missing
 * `libibverbs.so.1` shows up as a load error, which is caught and turned
 * into a reason for `nativeProvider.status()`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DeviceAttributes, PortAttributes } from '../../types/device.js';
import type { AhValues, QpAttributes, QpModifySpec } from '../../types/qp-attributes.js';
import type { QpInitSpec } from '../../provider/spi.js';
import { addonCandidates, LOCAL_ADDON_FILE } from './locate-addon.js';

/** The packed-layout version this TypeScript code writes (must equal the addon's). */
export const LAYOUT_VERSION = 1;

/** One device from `ibv_get_device_list`. */
export interface RawDevice {
  readonly name: string;
  /** Node GUID, 16 hex digits. */
  readonly guid: string;
  /** `enum ibv_node_type` (1 = CA, 4 = RNIC, ...). */
  readonly nodeType: number;
  /** `enum ibv_transport_type` (0 = IB, 1 = iWARP, ...). */
  readonly transportType: number;
  /** The device's sysfs folder, e.g. `/sys/class/infiniband/rxe0`. */
  readonly ibdevPath: string;
}

/**
 * `ibv_query_device`, as the addon reports it: the public attributes less
 * `maxInlineData` (probed separately), plus `maxQpInitRdAtom`.
 */
export interface RawDeviceAttributes extends Omit<DeviceAttributes, 'maxInlineData'> {
  readonly maxQpInitRdAtom: number;
}

/** `ibv_query_port`, as the addon reports it: the public attributes less the state's name. */
export type RawPortAttributes = Omit<PortAttributes, 'stateName'>;

/** One populated GID entry (`ibv_query_gid_table` / `ibv_query_gid_ex`). */
export interface RawGid {
  readonly index: number;
  /** IPv6 notation (`inet_ntop`). */
  readonly gid: string;
  /** `enum ibv_gid_type`, or -1 when the kernel did not say (read sysfs then). */
  readonly type: number;
  readonly netdev?: string;
}

/** What `NativePd.createQp` takes besides the queues: the provider's `QpInitSpec` sizes and flags, and the port. */
export type NativeQpInit = Omit<QpInitSpec, 'sendCq' | 'recvCq' | 'srq'> & { readonly port: number };

/** An `ibv_mr`; keeps the registered memory alive until `close()`. */
export interface NativeMrObject {
  readonly lkey: number;
  readonly rkey: number;
  readonly addr: bigint;
  readonly length: number;
  close(): void;
}

/** An `ibv_cq` with its completion channel. */
export interface NativeCqObject {
  /**
   * Fill a `WcBatch` buffer (`capacity` slots) with up to `max` completions.
   * @throws RdmaError `ERR_CQ_OVERRUN` once the CQ failed.
   */
  poll(buffer: ArrayBuffer, capacity: number, max: number): number;
  /** Arm the channel; resolves when completions may be waiting. Rejects with `ERR_CQ_OVERRUN`. */
  wait(): Promise<void>;
  /** Resolves pending waits, then destroys (deferred while queue pairs use it). */
  close(): void;
}

/** An `ibv_qp`. */
export interface NativeQpObject {
  readonly qpn: number;
  readonly maxInline: number;
  readonly maxSendSge: number;
  readonly maxRecvSge: number;
  /** Post `count` packed send requests as one chain. @throws VerbsError (ENOMEM when full). */
  postSend(buffer: ArrayBuffer, count: number): void;
  /** Post `count` packed receive requests as one chain. @throws VerbsError (ENOMEM when full). */
  postRecv(buffer: ArrayBuffer, count: number): void;
  /**
   * One `ibv_modify_qp` to `step.state` with `step.attrs`, read by the names
   * of `QpModifySpec` (ERR takes none).
   * @throws VerbsError naming both states.
   */
  modify(state: QpModifySpec['state'], attrs: QpModifySpec['attrs']): void;
  /** `ibv_query_qp`: every attribute, by the names of `QpAttributes`. */
  query(): QpAttributes;
  /** `enum ibv_qp_state` from `ibv_query_qp`. */
  state(): number;
  close(): void;
}

/** An `ibv_srq`. */
export interface NativeSrqObject {
  postRecv(buffer: ArrayBuffer, count: number): void;
  close(): void;
}

/** An `ibv_ah`; packed UD requests name it by `id`. */
export interface NativeAhObject {
  readonly id: number;
  close(): void;
}

/** An `ibv_pd`. */
export interface NativePdObject {
  /** @throws VerbsError (ENOMEM/EPERM with the memlock limit in the message). */
  regMr(view: Uint8Array, access: number): NativeMrObject;
  createQp(sendCq: NativeCqObject, recvCq: NativeCqObject, srq: NativeSrqObject | null, init: NativeQpInit): NativeQpObject;
  createSrq(maxWr: number, maxSge: number): NativeSrqObject;
  createAh(attrs: AhValues): NativeAhObject;
  close(): void;
}

/** The async-event callback the addon calls (`port`/`qpn` are 0 when not applicable). */
export type NativeAsyncListener = (type: number, port: number, qpn: number, detail: string) => void;

/** An open `ibv_context`. */
export interface NativeContextObject {
  queryDevice(): RawDeviceAttributes;
  queryPort(port: number): RawPortAttributes;
  gidTable(port: number): RawGid[];
  /** Every P_Key table entry of the port (host order; 0 = unused). */
  pkeyTable(port: number): number[];
  allocPd(): NativePdObject;
  createCq(depth: number): NativeCqObject;
  setAsyncListener(listener: NativeAsyncListener): void;
  /** Page-aligned, zeroed memory (an external ArrayBuffer freed when collected). */
  allocate(size: number): Uint8Array;
  /** The largest inline size an RC QP accepts (creates and destroys a few QPs). */
  probeMaxInline(): number;
  close(): void;
}

/** The CM event callback the addon calls: the C event's type and status, a copy of its private data, the new id of a CONNECT_REQUEST. */
export type NativeCmListener = (type: number, status: number, privateData: Uint8Array | null, child: NativeCmIdObject | null, initiatorDepth: number, responderResources: number) => void;

/** What `connect` and `accept` take besides the QP and the private data. */
export interface NativeConnParam {
  readonly responderResources: number;
  readonly initiatorDepth: number;
  readonly retryCount: number;
  readonly rnrRetryCount: number;
}

/** An `rdma_cm_id` with its own event channel (librdmacm, loaded at run time). */
export interface NativeCmIdObject {
  onEvent(listener: NativeCmListener): void;
  /** @throws VerbsError `rdma_bind_addr`. */
  bind(address: string, port: number): void;
  /** @throws VerbsError `rdma_listen`. */
  listen(backlog: number): void;
  /** @throws VerbsError `rdma_resolve_addr`. */
  resolveAddr(source: string | null, sourcePort: number, destination: string, port: number, timeoutMs: number): void;
  /** @throws VerbsError `rdma_resolve_route`. */
  resolveRoute(timeoutMs: number): void;
  deviceName(): string | null;
  localAddress(): { address: string; port: number } | null;
  remoteAddress(): { address: string; port: number } | null;
  /** @throws VerbsError `rdma_connect`. */
  connect(qp: NativeQpObject, param: NativeConnParam, privateData: Uint8Array | null): void;
  /** Moves the QP to RTR, then `rdma_accept`. @throws VerbsError `ibv_modify_qp` or `rdma_accept`. */
  accept(qp: NativeQpObject, param: NativeConnParam, privateData: Uint8Array | null): void;
  /** @throws VerbsError `rdma_reject`. */
  reject(privateData: Uint8Array | null): void;
  /** @throws VerbsError `rdma_disconnect`. */
  disconnect(): void;
  /** Keep the process alive while true (the event channel is watched either way). */
  setRef(on: boolean): void;
  /** `rdma_destroy_id` and its channel; idempotent. */
  close(): void;
}

/** The error factories native code throws through. */
export interface NativeErrorFactories {
  verbsError(verb: string, errno: number, message: string): Error;
  rdmaError(code: string, message: string): Error;
}

/** The addon's exports. */
export interface NativeAddon {
  readonly layoutVersion: number;
  readonly pageSize: number;
  configure(factories: NativeErrorFactories): void;
  /** @throws VerbsError when libibverbs cannot list devices (ENOSYS: no RDMA in the kernel). */
  getDeviceList(): RawDevice[];
  /** @throws RdmaError `ERR_NO_DEVICE`; VerbsError from `ibv_open_device`. */
  openDevice(name: string): NativeContextObject;
  /** RLIMIT_MEMLOCK soft limit in bytes; -1 when unlimited. */
  memlockLimit(): number;
  /** Why rdma_cm cannot be used (`"librdmacm.so.1 not found"`), or null; loads librdmacm the first time. */
  cmUnavailable(): string | null;
  /** @throws RdmaError `ERR_UNSUPPORTED` without librdmacm; VerbsError `rdma_create_id`. */
  createCmId(portSpace: number): NativeCmIdObject;
  /**
   * Create the POSIX shared memory object `name` (`/` and up to 199 other
   * characters) of `size` bytes (its pages reserved at once), map it shared
   * and return the mapping; the name is removed when the buffer is
   * collected, by `shmUnlink`, by `shmUnlinkOwned` or when this thread's
   * environment ends. Needs no RDMA device.
   * @throws VerbsError from `shm_open` (EEXIST: the name is taken), `posix_fallocate` (ENOSPC: /dev/shm is full) or `mmap`.
   */
  shmCreate(name: string, size: number): ArrayBuffer;
  /**
   * Map the first `size` bytes of the existing object `name` (another
   * process's), shared; unmapped when the buffer is collected.
   * @throws VerbsError from `shm_open` (ENOENT: no such object; EINVAL: it is smaller than `size`) or `mmap`.
   */
  shmMap(name: string, size: number): ArrayBuffer;
  /** Remove the name `name` now; false when it was gone already. @throws VerbsError from `shm_unlink` (other than ENOENT). */
  shmUnlink(name: string): boolean;
  /** Remove every name this thread created and still holds (the process is exiting). */
  shmUnlinkOwned(): void;
  /**
   * Map `size` bytes of the file `path` from `offset` (a multiple of the
   * page size), shared (a file under /dev/shm, or a PCI BAR such as an
   * ivshmem device's `resource2`); unmapped when the buffer is collected.
   * Needs no RDMA device.
   * @throws VerbsError from `open` (ENOENT, EACCES), `fstat`, or `mmap` (EINVAL: a regular file shorter than `offset + size`).
   */
  fileMap(path: string, size: number, offset: number): ArrayBuffer;
}

/** The result of loading the addon. */
export type AddonLoad =
  | { readonly ok: true; readonly addon: NativeAddon; readonly path: string }
  | { readonly ok: false; readonly reason: string; readonly path: string; readonly error?: unknown };

export { addonCandidates } from './locate-addon.js';

/** How to rebuild, in a project that installed vrdma and in a clone of it. */
const REBUILD = 'rebuild it with `npm rebuild vrdma` (in a clone of vrdma: `npm run build:native`)';

/**
 * Why an addon failed to load, in words that say what to do. `message` is
 * the loader's error message.
 */
export function describeLoadError(message: string, path: string): string {
  const missingLib = /(lib[\w.+-]*\.so(?:\.\d+)*): cannot open shared object file/.exec(message);
  if (missingLib) {
    const lib = missingLib[1]!;
    if (lib.startsWith('libibverbs')) {
      return `${lib} not found: apt-get install libibverbs1 ibverbs-providers (rdma-core's libibverbs, which the addon links to)`;
    }
    return `${lib} not found (needed by the native addon ${path}): install it, or ${REBUILD}`;
  }
  if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(message)) {
    return `the native addon ${path} was built for another Node.js: ${REBUILD}`;
  }
  if (/undefined symbol/.test(message)) {
    return `the native addon ${path} does not match the installed libibverbs (${message.split('\n')[0]}): ${REBUILD}`;
  }
  return `the native addon ${path} failed to load (${message.split('\n')[0]}): ${REBUILD}`;
}

let cached: AddonLoad | undefined;

/** Load the addon once per thread (from `addonCandidates()`); never throws. */
export function loadAddon(): AddonLoad {
  cached ??= loadAddonFrom(addonCandidates());
  return cached;
}

/** Load the addon from the first of `candidates` that exists (not cached); never throws. */
export function loadAddonFrom(candidates: readonly string[]): AddonLoad {
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) {
    const expected = candidates[candidates.length - 1] ?? LOCAL_ADDON_FILE;
    return { ok: false, path: expected, reason: `addon not built: no prebuilt binary for ${process.platform}-${process.arch} and no ${expected}; build it with \`npm rebuild vrdma\` (needs rdma-core's libibverbs-dev, a C++17 compiler, make and python3)` };
  }
  const require = createRequire(import.meta.url);
  let addon: NativeAddon;
  try {
    addon = require(path) as NativeAddon;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, path, reason: describeLoadError(message, path), error };
  }
  if (addon.layoutVersion !== LAYOUT_VERSION) {
    return {
      ok: false, path,
      reason: `the native addon ${path} is out of date (layout ${String(addon.layoutVersion)}, this library writes ${LAYOUT_VERSION}): ${REBUILD}`,
    };
  }
  return { ok: true, addon, path };
}
