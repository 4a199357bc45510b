import type { Check } from './check.js';
import { nativeMissing, troubleshootingLink } from './troubleshooting.js';

const INSTALL = "install rdma-core's libibverbs (Debian/Ubuntu: apt-get install libibverbs1 ibverbs-providers; " +
  'Fedora/RHEL: dnf install libibverbs), then, if the addon is missing, `npm rebuild vrdma` ' +
  '(which needs libibverbs-dev, a C++ compiler, make and python3)';
const NO_KERNEL_DEVICES = 'give the kernel an RDMA device: a driver for the HCA, or Soft-RoCE (see the rdma-devices and rxe checks)';

/** The fix for a `providerStatus()` reason of the native provider, and its troubleshooting section. */
function fixFor(reason: string): { fix: string; help: string } {
  if (/kernel offers no RDMA|found no RDMA devices/i.test(reason)) return { fix: NO_KERNEL_DEVICES, help: troubleshootingLink('no-rdma-device') };
  return { fix: INSTALL, help: troubleshootingLink('native-provider-off') };
}

/**
 * Whether the native provider works: `providerStatus()` of `native`. A
 * missing addon or libibverbs, or a kernel without RDMA devices, is `off`
 * (loop0 still works), or `fail` under `--require native`.
 */
export const checkNativeProvider: Check = async (env) => {
  const id = 'native';
  const title = 'native provider (libibverbs)';
  try {
    const { providerStatus, listDevices } = await import('../../index.js');
    const native = providerStatus().find((p) => p.name === 'native');
    if (native?.available === true) {
      const names = listDevices().filter((d) => d.provider === 'native').map((d) => d.name);
      return { id, title, status: 'ok', detail: `libibverbs and the addon load; devices: ${names.join(', ')}` };
    }
    const reason = native?.reason ?? 'this build has no native provider';
    const loads = /kernel offers no RDMA|found no RDMA devices/i.test(reason);
    return {
      id, title, status: nativeMissing(env),
      detail: loads ? `libibverbs and the addon load, but ${reason}` : reason,
      ...fixFor(reason),
    };
  } catch (err) {
    return { id, title, status: 'fail', detail: `loading the library failed: ${err instanceof Error ? err.message : String(err)}`, fix: INSTALL };
  }
};
