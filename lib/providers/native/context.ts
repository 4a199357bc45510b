import type { ContextBackend, CqBackend, PdBackend } from '../../provider/spi.js';
import type { CmBackend } from '../../provider/cm-spi.js';
import { UnsupportedError } from '../../errors/unsupported-error.js';
import { loadAddon } from './addon.js';
import { NativeCmId } from './cm-id.js';
import type { DeviceCapabilities } from '../../provider/capabilities.js';
import type { NativeOpenOptions } from './options.js';
import { nativeCapabilities } from './capabilities.js';
import type { AsyncEvent, DeviceAttributes, DeviceInfo, GidEntry, PortAttributes } from '../../types/device.js';
import type { Endpoint } from '../../types/endpoint.js';
import type { AhValues } from '../../types/qp-attributes.js';
import { asyncEventName } from '../../constants/async-event.js';
import { GidType, LinkLayer, portStateName } from '../../constants/port.js';
import { checkPortOption } from '../../provider/port-options.js';
import type { NativeContextObject, RawDeviceAttributes, RawPortAttributes } from './addon.js';
import { chooseGid, isLinkLocalGid, type GidChoice } from './gid.js';
import { sysfsGidAttrs, sysfsLinkLayer } from './sysfs.js';
import { NativePd } from './pd.js';
import { NativeCq } from './cq.js';
import { NativeObject } from './native-object.js';

/** Hop limit for GRHs (RoCE v2: the IP TTL). */
const HOP_LIMIT = 64;

const GID_TYPE_NAMES: Record<number, GidEntry['typeName']> = {
  [GidType.IB]: 'IB',
  [GidType.ROCE_V1]: 'RoCEv1',
  [GidType.ROCE_V2]: 'RoCEv2',
};

/** An open native device (`ibv_context`). */
export class NativeContext extends NativeObject<NativeContextObject> implements ContextBackend {
  readonly device: DeviceInfo;
  /** The port endpoints use (`NativeOpenOptions.port`, default 1). */
  readonly port: number;
  readonly #ibdevPath: string;
  readonly #gidIndex: number | undefined;
  #attrs: RawDeviceAttributes | undefined;
  #maxInline: number | undefined;
  #choice: GidChoice | undefined;
  #listener: (event: AsyncEvent) => void = () => {};

  /**
   * librdmacm's connection manager, loaded at run time.
   * @throws UnsupportedError `"rdma_cm unavailable: librdmacm.so.1 not found"` when it is missing.
   */
  cm(): CmBackend {
    const load = loadAddon();
    const why = load.ok ? load.addon.cmUnavailable() : load.reason;
    if (!load.ok || why !== null) throw new UnsupportedError('rdma_cm', `rdma_cm unavailable: ${why}`);
    const addon = load.addon;
    return { createId: (portSpace) => new NativeCmId(addon.createCmId(portSpace)) };
  }

  /**
   * @throws InvalidArgumentError for a port the device does not have (the raw context is closed then).
   */
  constructor(raw: NativeContextObject, device: DeviceInfo, ibdevPath: string, options: NativeOpenOptions) {
    super(raw);
    this.device = device;
    this.#ibdevPath = ibdevPath;
    try {
      const port = checkPortOption(device.name, this.rawDeviceAttributes().physPortCnt, options.port);
      const gidIndex = options.gidIndex;
      this.port = port;
      this.#gidIndex = gidIndex;
    } catch (err) {
      raw.close();
      throw err;
    }
    raw.setAsyncListener((type, port, qpn, detail) => {
      this.#listener({
        type,
        typeName: asyncEventName(type),
        ...(port !== 0 ? { port } : {}),
        ...(qpn !== 0 ? { qpn } : {}),
        ...(detail !== '' ? { detail } : {}),
      });
    });
  }

  /** @internal `ibv_query_device`, cached (the attributes do not change). */
  rawDeviceAttributes(): RawDeviceAttributes {
    this.#attrs ??= this.raw.queryDevice();
    return this.#attrs;
  }

  /** What the device can do, from its attributes. */
  capabilities(): DeviceCapabilities {
    return nativeCapabilities(this.rawDeviceAttributes());
  }

  /** Device attributes; `maxInlineData` is probed once by creating test queue pairs. */
  queryDevice(): DeviceAttributes {
    const a = this.rawDeviceAttributes();
    this.#maxInline ??= this.raw.probeMaxInline();
    return {
      fwVer: a.fwVer, nodeGuid: a.nodeGuid, sysImageGuid: a.sysImageGuid, vendorId: a.vendorId,
      vendorPartId: a.vendorPartId, hwVer: a.hwVer, physPortCnt: a.physPortCnt, maxQp: a.maxQp,
      maxQpWr: a.maxQpWr, maxSge: a.maxSge, maxCq: a.maxCq, maxCqe: a.maxCqe, maxMr: a.maxMr,
      maxMrSize: a.maxMrSize, maxPd: a.maxPd, maxSrq: a.maxSrq, maxSrqWr: a.maxSrqWr,
      maxQpRdAtom: a.maxQpRdAtom, maxInlineData: this.#maxInline, atomicCap: a.atomicCap,
    };
  }

  /** @throws VerbsError from `ibv_query_port`. */
  queryPort(port: number): PortAttributes {
    const p = this.raw.queryPort(port);
    return { ...p, stateName: portStateName(p.state) };
  }

  /** @internal The endpoint port's attributes. */
  portAttributes(): RawPortAttributes {
    return this.raw.queryPort(this.port);
  }

  /** The port's P_Key table (`ibv_query_pkey` per index). */
  pkeyTable(port: number): number[] {
    return this.raw.pkeyTable(port);
  }

  /** Populated GIDs with type and netdev (sysfs fills in what the kernel's query leaves out). */
  gidTable(port: number): GidEntry[] {
    const linkLayer = this.raw.queryPort(port).linkLayer;
    const ethernet = linkLayer === LinkLayer.ETHERNET;
    const sysLink = ethernet ? 'Ethernet' : (sysfsLinkLayer(this.#ibdevPath, port) ?? 'InfiniBand');
    return this.raw.gidTable(port).map((g) => {
      let type = g.type;
      let netdev = g.netdev;
      if (type < 0) {
        const attrs = sysfsGidAttrs(this.#ibdevPath, port, g.index, sysLink);
        type = attrs.type;
        netdev ??= attrs.netdev;
      }
      // Some kernels report RoCE v1 GIDs as type IB.
      if (ethernet && type === GidType.IB) type = GidType.ROCE_V1;
      const typeName = GID_TYPE_NAMES[type] ?? 'IB';
      return netdev ? { index: g.index, gid: g.gid, type, typeName, netdev } : { index: g.index, gid: g.gid, type, typeName };
    });
  }

  /**
   * @internal The GID endpoints on this context use, chosen once (see `chooseGid`).
   * @throws RdmaError `ERR_NO_GID`.
   */
  gidChoice(): GidChoice {
    if (this.#choice) return this.#choice;
    const linkLayer = this.raw.queryPort(this.port).linkLayer;
    this.#choice = chooseGid(this.gidTable(this.port), linkLayer, `${this.device.name} port ${this.port}`, this.#gidIndex);
    return this.#choice;
  }

  /** @internal Address vector to a peer: a GRH on RoCE (always) and on InfiniBand for non-link-local GIDs. */
  addressTo(remote: Endpoint): AhValues {
    const linkLayer = this.raw.queryPort(this.port).linkLayer;
    const ethernet = linkLayer === LinkLayer.ETHERNET;
    const isGlobal = ethernet || !isLinkLocalGid(remote.gid);
    return {
      dlid: ethernet ? 0 : remote.lid,
      sl: 0,
      port: this.port,
      grh: isGlobal ? { dgid: remote.gid, sgidIndex: this.gidChoice().index, hopLimit: HOP_LIMIT, trafficClass: 0, flowLabel: 0 } : null,
    };
  }

  /** @throws VerbsError from `ibv_alloc_pd`. */
  allocPd(): PdBackend {
    return new NativePd(this, this.raw.allocPd());
  }

  /** A CQ with its own completion channel. @throws VerbsError from `ibv_create_cq`. */
  createCq(depth: number): CqBackend {
    return new NativeCq(this.raw.createCq(depth), depth);
  }

  onAsyncEvent(listener: (event: AsyncEvent) => void): void {
    this.#listener = listener;
  }

  /** Page-aligned, zeroed memory (mmap), freed when collected. */
  allocate(size: number): Uint8Array {
    return this.raw.allocate(size);
  }

  /** Before `ibv_close_device` (after every child): stop delivering events. */
  protected override onClose(): void {
    this.#listener = () => {};
  }
}
