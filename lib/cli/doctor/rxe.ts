import { join } from 'node:path';
import type { Check } from './check.js';
import { troubleshootingLink } from './troubleshooting.js';
import { isDirectory } from '../../sriov/sysfs-read.js';
import { moduleState } from './kernel-modules.js';
import { kernelRdmaDevices } from './kernel-rdma-devices.js';

const VM_RUNNER = 'run your program on rxe0 in a throwaway VM with Debian\'s kernel: "npx vrdma softroce run -- CMD"';

/**
 * Whether Soft-RoCE (rxe) can be created here: `rdma_rxe` loaded, built in
 * or installed for this kernel, and `/sys/class/infiniband` present. When it
 * cannot, or is not loaded yet, this is `off`: loop0 and real devices do
 * without it.
 */
export const checkRxe: Check = async (env) => {
  const id = 'rxe';
  const title = 'Soft-RoCE (rxe)';
  const rxe = moduleState(env, 'rdma_rxe');
  const core = moduleState(env, 'ib_core');
  const classDir = join(env.sysfsRoot, 'class', 'infiniband');
  const devices = kernelRdmaDevices(env.sysfsRoot);
  const rxeDevices = devices.filter((d) => d.software === 'rxe').map((d) => `${d.name}${d.activePorts.length > 0 ? ' (active)' : ''}`);
  const create = 'as root: "rdma link add rxe0 type rxe netdev <interface>"';
  const help = troubleshootingLink('soft-roce-rxe');
  if (rxe.loaded || rxe.builtin) {
    const where = rxe.loaded ? 'rdma_rxe is loaded' : 'rdma_rxe is built into the kernel';
    if (rxeDevices.length > 0) return { id, title, status: 'ok', detail: `${where}; rxe devices: ${rxeDevices.join(', ')}` };
    return { id, title, status: 'ok', detail: `${where}; no rxe device yet`, fix: create };
  }
  if (rxe.file !== undefined) {
    return { id, title, status: 'off', detail: `rdma_rxe is installed (${rxe.file}) but not loaded`, fix: `as root: "modprobe rdma_rxe", then ${create.replace('as root: ', '')}`, help };
  }
  const status = 'off';
  const hasCore = isDirectory(classDir) || core.loaded || core.builtin || core.file !== undefined;
  if (!hasCore) {
    return {
      id, title, status,
      detail: `this kernel (${env.kernelRelease}) was built without RDMA (CONFIG_INFINIBAND): no ${classDir}, no ib_core or rdma_rxe module`,
      fix: VM_RUNNER, help,
    };
  }
  return {
    id, title, status,
    detail: `this kernel (${env.kernelRelease}) has RDMA but no rdma_rxe module (CONFIG_RDMA_RXE)`,
    fix: `install the distribution's full kernel modules (Debian: linux-image-amd64; the -cloud flavour has no rxe), or ${VM_RUNNER}`,
    help,
  };
};
