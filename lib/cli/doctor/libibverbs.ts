import type { Check } from './check.js';

const INSTALL = 'install rdma-core (Debian/Ubuntu: apt-get install libibverbs1 ibverbs-providers rdma-core libibverbs-dev; ' +
  'Fedora/RHEL: dnf install rdma-core libibverbs rdma-core-devel) and build the addon (npm run build:native); ' +
  'the loopback provider works without it';
const NO_KERNEL_DEVICES = 'libibverbs loads, but the kernel offers no RDMA device: see the rdma-devices and rxe checks; ' +
  'the loopback provider works without one';
const OTHER = 'the message above says what is missing; the loopback provider works without the native provider';

/** The fix for a `providerStatus()` reason of the native provider. */
function fixFor(reason: string): string {
  if (/kernel offers no RDMA|found no RDMA devices/i.test(reason)) return NO_KERNEL_DEVICES;
  if (/addon|libibverbs\.so|shared object|cannot open|not found|out of date/i.test(reason)) return INSTALL;
  return OTHER;
}

/**
 * Whether libibverbs and the native addon load and offer devices:
 * `providerStatus()` of `native`. Fails with the provider's reason and a fix
 * that fits it (install and build, or create a kernel RDMA device).
 */
export const checkLibibverbs: Check = async () => {
  const id = 'libibverbs';
  const title = 'libibverbs loadable (native provider)';
  try {
    const { providerStatus } = await import('../../index.js');
    const native = providerStatus().find((p) => p.name === 'native');
    if (native === undefined) return { id, title, status: 'fail', detail: 'this build has no native provider', fix: INSTALL };
    if (native.available) return { id, title, status: 'ok', detail: 'libibverbs and the native addon load; the native provider is available' };
    const reason = native.reason ?? 'the native provider is unavailable';
    return { id, title, status: 'fail', detail: reason, fix: fixFor(reason) };
  } catch (err) {
    return { id, title, status: 'fail', detail: `loading the library failed: ${err instanceof Error ? err.message : String(err)}`, fix: INSTALL };
  }
};
