import { join } from 'node:path';
import type { Check } from './check.js';
import { isDirectory } from '../../sriov/sysfs-read.js';
import { kernelRdmaDevices } from './kernel-rdma-devices.js';
import { nativeMissing, troubleshootingLink } from './troubleshooting.js';

/**
 * Kernel RDMA devices and whether any port is ACTIVE
 * (`<sysfs>/class/infiniband/*\/ports/*\/state`). None is `off` (loop0 needs
 * none); devices without an active port warn; both fail under `--require native`.
 */
export const checkRdmaDevices: Check = async (env) => {
  const id = 'rdma-devices';
  const title = 'kernel RDMA devices';
  const classDir = join(env.sysfsRoot, 'class', 'infiniband');
  const devices = kernelRdmaDevices(env.sysfsRoot);
  if (devices.length === 0) {
    return {
      id, title, status: nativeMissing(env),
      help: troubleshootingLink('no-rdma-device'),
      detail: isDirectory(classDir) ? `no RDMA devices in ${classDir}` : `no RDMA devices (${classDir} does not exist)`,
      fix: 'create a Soft-RoCE device as root: "modprobe rdma_rxe; rdma link add rxe0 type rxe netdev <interface>"; ' +
        'loop0 works without one',
    };
  }
  const describe = devices.map((d) => {
    const ports = d.ports.map((p) => `port ${p.port} ${p.stateName ?? '?'}${p.linkLayer ? ` ${p.linkLayer}` : ''}`).join(', ');
    return `${d.name}${d.software ? ` (${d.software})` : ''}: ${ports || 'no ports'}`;
  }).join('; ');
  if (devices.some((d) => d.activePorts.length > 0)) return { id, title, status: 'ok', detail: describe };
  return {
    id, title, status: env.require === 'native' ? 'fail' : 'warn', detail: `no port is ACTIVE: ${describe}`,
    help: troubleshootingLink('no-active-port'),
    fix: 'bring the link up: RoCE and rxe need their netdev up with a carrier ("ip link set <netdev> up"); ' +
      'InfiniBand needs a cable and a subnet manager on the fabric (e.g. opensm)',
  };
};
