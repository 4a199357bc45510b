import type { DeviceCapabilities } from '../../provider/capabilities.js';
import { ProviderName } from '../../constants/provider-name.js';
import { AtomicCap } from '../../constants/port.js';
import { QpType } from '../../constants/qp.js';
import { WrOpcode } from '../../constants/wr-opcode.js';
import type { RawDeviceAttributes } from './addon.js';
import { NATIVE_OPEN_OPTIONS } from './options.js';

const ATOMIC_OPCODES: readonly number[] = [WrOpcode.ATOMIC_CMP_AND_SWP, WrOpcode.ATOMIC_FETCH_AND_ADD];

/** What a native device can do, from its `ibv_query_device` attributes. */
export function nativeCapabilities(a: RawDeviceAttributes): DeviceCapabilities {
  const atomics = a.atomicCap !== AtomicCap.NONE;
  return {
    provider: ProviderName.NATIVE,
    qpTypes: [QpType.RC, QpType.UC, QpType.UD],
    sendOpcodes: Object.values(WrOpcode).filter((op) => atomics || !ATOMIC_OPCODES.includes(op)),
    atomics,
    srq: a.maxSrq > 0 && a.maxSrqWr > 0,
    ud: true,
    memory: 'page-aligned',
    maxQpWr: a.maxQpWr,
    maxSge: a.maxSge,
    maxCqe: a.maxCqe,
    maxSrqWr: a.maxSrq > 0 ? a.maxSrqWr : 0,
    maxMrSize: a.maxMrSize,
    maxQpRdAtom: a.maxQpRdAtom,
    openOptions: Object.keys(NATIVE_OPEN_OPTIONS),
  };
}
