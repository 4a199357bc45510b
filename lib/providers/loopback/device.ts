import type { DeviceAttributes, DeviceInfo, GidEntry, PortAttributes } from '../../types/device.js';
import { AtomicCap, GidType, LinkLayer, Mtu, PortState, portStateName } from '../../constants/port.js';
import { ProviderName } from '../../constants/provider-name.js';
import { DEFAULT_PKEY, PKEY_PARTITION_MASK } from '../../constants/pkey.js';
import { InvalidArgumentError } from '../../errors/invalid-argument-error.js';
import { checkInt, describe } from '../../validate/numbers.js';

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

/** The most partitions a `loop0` node joins beside the default one. */
export const LOOP_MAX_PKEYS = 127;

/**
 * A `loop0` node's P_Key table: the default `0xffff`, then `pkeys`.
 * @throws InvalidArgumentError when `pkeys` is not an array of at most 127 P_Keys (1..0xffff, partition not 0).
 */
export function loopPkeyTable(pkeys: readonly number[] | undefined): number[] {
  if (pkeys === undefined) return [DEFAULT_PKEY];
  if (!Array.isArray(pkeys) || pkeys.length > LOOP_MAX_PKEYS) {
    throw new InvalidArgumentError('options.pkeys', `must be an array of at most ${LOOP_MAX_PKEYS} P_Keys, got ${describe(pkeys)}`);
  }
  pkeys.forEach((p, i) => {
    checkInt(`options.pkeys[${i}]`, p, 1, 0xffff);
    if ((p & PKEY_PARTITION_MASK) === 0) throw new InvalidArgumentError(`options.pkeys[${i}]`, `0x${p.toString(16)} names partition 0, which is invalid`);
  });
  return [DEFAULT_PKEY, ...pkeys];
}

/** Port 1 of a `loop0` node with this LID and P_Key table length. */
export function loopPortAttributes(lid: number, pkeyTblLen = 1): PortAttributes {
  return {
    state: PortState.ACTIVE, stateName: portStateName(PortState.ACTIVE), maxMtu: LOOP_MTU, activeMtu: LOOP_MTU,
    lid, smLid: 1, lmc: 0, gidTblLen: 1, pkeyTblLen, linkLayer: LinkLayer.INFINIBAND, activeWidth: 1, activeSpeed: 1,
  };
}

/** The GID table of a `loop0` node: one IB GID. */
export function loopGidTable(gid: string): GidEntry[] {
  return [{ index: 0, gid, type: GidType.IB, typeName: 'IB' }];
}
