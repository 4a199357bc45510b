import type { Transport } from '../fabric.js';
import type { SelfRouter } from '../node.js';
import { readConfig } from './config.js';
import { ShmTransport, type FabricView } from './transport.js';

export { readShmStats, resetShmStats, type ShmStats } from './stats.js';

let installed: ShmTransport | null = null;

/**
 * Add the cross-thread transport to this thread's fabric (once): loop0
 * nodes of other threads of this process become reachable, hub or not.
 * Never throws.
 */
export function installShmTransport(fabric: FabricView & { addTransport(t: Transport): void }): void {
  if (installed) return;
  installed = new ShmTransport(fabric, readConfig());
  fabric.addTransport(installed);
}

/**
 * Reaches this thread's nodes through the transport's ring from the thread
 * to itself (`VRDMA_LOOPBACK_SELF_ROUTE=threads`).
 * @throws Error when the transport is not installed yet (`installShmTransport` first).
 */
export function shmSelfRouter(): SelfRouter {
  const t = installed;
  if (!t) throw new Error('loop0: the cross-thread transport is not installed');
  return { route: (gid) => t.selfRoute(gid), connect: () => Promise.resolve() };
}
