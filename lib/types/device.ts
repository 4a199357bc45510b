import type { ProviderName } from '../constants/provider-name.js';

/** The SR-IOV role of a device's PCI function, when it has one. */
export type SriovRole =
  | { readonly role: 'pf'; readonly pciAddress: string; readonly totalVfs: number; readonly numVfs: number; readonly vfs: readonly string[] }
  | { readonly role: 'vf'; readonly pciAddress: string; readonly pf: string; readonly vfIndex: number }
  | { readonly role: 'none'; readonly pciAddress?: string };

/** One device as `listDevices()` reports it. */
export interface DeviceInfo {
  /** The name to pass to `openDevice()`, e.g. `"mlx5_0"`, `"rxe0"`, `"loop0"`. */
  readonly name: string;
  /** The provider that serves it. */
  readonly provider: ProviderName;
  /** Node GUID as 16 hex digits, e.g. `"0002c90300a1b2c3"`. */
  readonly guid: string;
  /** Transport in words: `"InfiniBand"`, `"RoCE"`, `"iWARP"`, `"software"`. */
  readonly transport: string;
  /** The kernel driver or provider library, when known (`"mlx5_core"`, `"rxe"`). */
  readonly driver?: string;
  /** Network devices that carry it (RoCE, rxe). */
  readonly netdevs?: readonly string[];
  /** SR-IOV role, filled by sysfs discovery where a PCI function exists. */
  readonly sriov?: SriovRole;
}

/** Whether a provider can be used here, and why not. */
export interface ProviderStatus {
  readonly name: ProviderName;
  readonly available: boolean;
  /** Why it is unavailable, with what to do about it. */
  readonly reason?: string;
}

/** Device attributes (`ibv_query_device`). */
export interface DeviceAttributes {
  readonly fwVer: string;
  readonly nodeGuid: string;
  readonly sysImageGuid: string;
  readonly vendorId: number;
  readonly vendorPartId: number;
  readonly hwVer: number;
  readonly physPortCnt: number;
  readonly maxQp: number;
  readonly maxQpWr: number;
  readonly maxSge: number;
  readonly maxCq: number;
  readonly maxCqe: number;
  readonly maxMr: number;
  readonly maxMrSize: bigint;
  readonly maxPd: number;
  readonly maxSrq: number;
  readonly maxSrqWr: number;
  readonly maxQpRdAtom: number;
  readonly maxInlineData: number;
  /** `AtomicCap` value. */
  readonly atomicCap: number;
}

/** Port attributes (`ibv_query_port`). */
export interface PortAttributes {
  /** `PortState` value. */
  readonly state: number;
  /** `"ACTIVE"`, `"DOWN"`, ... */
  readonly stateName: string;
  /** `Mtu` values. */
  readonly maxMtu: number;
  readonly activeMtu: number;
  readonly lid: number;
  readonly smLid: number;
  readonly lmc: number;
  readonly gidTblLen: number;
  readonly pkeyTblLen: number;
  /** `LinkLayer` value. */
  readonly linkLayer: number;
  readonly activeWidth: number;
  readonly activeSpeed: number;
}

/** One populated entry of a port's GID table. */
export interface GidEntry {
  readonly index: number;
  /** The GID in IPv6 notation, e.g. `"fe80::1"` or `"::ffff:10.0.0.1"`. */
  readonly gid: string;
  /** `GidType` value. */
  readonly type: number;
  /** `"IB"`, `"RoCEv1"` or `"RoCEv2"`. */
  readonly typeName: 'IB' | 'RoCEv1' | 'RoCEv2';
  /** The netdev it belongs to (RoCE), when known. */
  readonly netdev?: string;
}

/** An asynchronous event delivered on a `Context` (`ibv_get_async_event`). */
export interface AsyncEvent {
  /** `AsyncEventType` value. */
  readonly type: number;
  /** `"PORT_ACTIVE"`, `"QP_FATAL"`, ... */
  readonly typeName: string;
  readonly port?: number;
  readonly qpn?: number;
  /** Free text from the provider (e.g. why a peer QP failed). */
  readonly detail?: string;
}
