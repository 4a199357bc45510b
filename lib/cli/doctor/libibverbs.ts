import type { Check } from './check.js';

const INSTALL = 'install rdma-core (Debian/Ubuntu: apt-get install libibverbs1 ibverbs-providers rdma-core; ' +
  'Fedora/RHEL: dnf install rdma-core libibverbs); the loopback provider works without it';

/** Whether libibverbs and the native addon load: `providerStatus()` of `native`. */
export const checkLibibverbs: Check = async () => {
  const title = 'libibverbs loadable (native provider)';
  try {
    const { providerStatus } = await import('../../index.js');
    const native = providerStatus().find((p) => p.name === 'native');
    if (native === undefined) return { id: 'libibverbs', title, status: 'fail', detail: 'this build has no native provider', fix: INSTALL };
    if (native.available) return { id: 'libibverbs', title, status: 'ok', detail: 'the native provider is available' };
    return { id: 'libibverbs', title, status: 'fail', detail: native.reason ?? 'the native provider is unavailable', fix: INSTALL };
  } catch (err) {
    return { id: 'libibverbs', title, status: 'fail', detail: `loading the library failed: ${err instanceof Error ? err.message : String(err)}`, fix: INSTALL };
  }
};
