import type { ProviderBackend } from '../../provider/spi.js';
import { RdmaError } from '../../errors/rdma-error.js';

/** The native provider (libibverbs). Placeholder until the addon lands. */
export const nativeProvider: ProviderBackend = {
  name: 'native',
  status() {
    return { name: 'native', available: false, reason: 'the native addon is not built' };
  },
  listDevices() {
    return [];
  },
  async open(name) {
    throw new RdmaError('ERR_NO_DEVICE', `no native device ${name}: the native addon is not built`);
  },
};
