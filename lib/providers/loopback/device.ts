import type { DeviceAttributes, DeviceInfo, GidEntry, PortAttributes } from '../../types/device.js';
import { AtomicCap, GidType, LinkLayer, Mtu, PortState, portStateName } from '../../constants/port.js';
import { ProviderName } from '../../constants/provider-name.js';

/** The loopback port MTU. */
export const LOOP_MTU = Mtu.MTU_4096;

/** The name of the loopback device. */
export const LOOP_DEVICE_NAME = 'loop0';
/** Its node GUID (fixed; nodes differ by port GID). */
export const LOOP_GUID = '7672646d61000001';

/** `loop0` as `listDevices()` reports it. */
export const LOOP_DEVICE_INFO: DeviceInfo = {
  name: LOOP_DEVICE_NAME, provider: ProviderName.LOOPBACK, guid: LOOP_GUID, transport: 'software', driver: 'vrdma-loopback',
};

/** Device attributes of `loop0`. */
export const LOOP_DEVICE_ATTRIBUTES: DeviceAttributes = {
  fwVer: '1.0.0', nodeGuid: LOOP_GUID, sysImageGuid: LOOP_GUID, vendorId: 0, vendorPartId: 0, hwVer: 0,
  physPortCnt: 1, maxQp: 65536, maxQpWr: 16384, maxSge: 32, maxCq: 65536, maxCqe: 65536, maxMr: 1 << 20,
  maxMrSize: 1n << 40n, maxPd: 65536, maxSrq: 65536, maxSrqWr: 16384, maxQpRdAtom: 16, maxInlineData: 1024,
  atomicCap: AtomicCap.GLOB,
};

/** Port 1 of a `loop0` node with this LID. */
export function loopPortAttributes(lid: number): PortAttributes {
  return {
    state: PortState.ACTIVE, stateName: portStateName(PortState.ACTIVE), maxMtu: LOOP_MTU, activeMtu: LOOP_MTU,
    lid, smLid: 1, lmc: 0, gidTblLen: 1, pkeyTblLen: 1, linkLayer: LinkLayer.INFINIBAND, activeWidth: 1, activeSpeed: 1,
  };
}

/** The GID table of a `loop0` node: one IB GID. */
export function loopGidTable(gid: string): GidEntry[] {
  return [{ index: 0, gid, type: GidType.IB, typeName: 'IB' }];
}
