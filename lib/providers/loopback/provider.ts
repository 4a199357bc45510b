import type { ContextBackend, OpenOptions, ProviderBackend } from '../../provider/spi.js';
import { RdmaError } from '../../errors/rdma-error.js';
import { LOOP_DEVICE_INFO, LOOP_DEVICE_NAME } from './device.js';
import { LoopContext } from './context.js';
import { createLocalNode } from './local-node.js';
import { installTransports } from './transports.js';

/**
 * The loopback provider: `loop0`, always present. Contexts opened with
 * `{ hub: false }` reach only contexts of this process; otherwise they join
 * the per-user hub to reach other processes.
 */
export const loopbackProvider: ProviderBackend = {
  name: 'loopback',
  status() {
    return { name: 'loopback', available: true };
  },
  listDevices() {
    return [LOOP_DEVICE_INFO];
  },
  async open(name: string, _options: OpenOptions): Promise<ContextBackend> {
    if (name !== LOOP_DEVICE_NAME) throw new RdmaError('ERR_NO_DEVICE', `the loopback provider has only ${LOOP_DEVICE_NAME}, not ${name}`);
    installTransports();
    return new LoopContext(createLocalNode());
  },
};
