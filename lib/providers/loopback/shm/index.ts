import type { Transport } from '../fabric.js';
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
