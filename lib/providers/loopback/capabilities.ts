import type { DeviceCapabilities } from '../../provider/capabilities.js';
import { ProviderName } from '../../constants/provider-name.js';
import { QpType } from '../../constants/qp.js';
import { WrOpcode } from '../../constants/wr-opcode.js';
import { LOOP_DEVICE_ATTRIBUTES as A } from './device.js';
import { LOOPBACK_OPEN_OPTIONS } from './options.js';

/** What `loop0` can do: every opcode and QP type, SRQ, shareable memory. */
export const LOOP_CAPABILITIES: DeviceCapabilities = {
  provider: ProviderName.LOOPBACK,
  qpTypes: [QpType.RC, QpType.UC, QpType.UD],
  sendOpcodes: Object.values(WrOpcode),
  atomics: true,
  srq: true,
  ud: true,
  memory: 'shared',
  maxQpWr: A.maxQpWr,
  maxSge: A.maxSge,
  maxCqe: A.maxCqe,
  maxSrqWr: A.maxSrqWr,
  maxMrSize: A.maxMrSize,
  maxQpRdAtom: A.maxQpRdAtom,
  openOptions: Object.keys(LOOPBACK_OPEN_OPTIONS),
};
