import { fabric } from './fabric.js';
import { peerTransport } from './hub/hub-runtime.js';
import { installShmTransport } from './shm/index.js';

let installed = false;

/**
 * Register the transports that reach nodes outside this thread, once per
 * thread, before the first node opens.
 */
export function installTransports(): void {
  if (installed) return;
  installed = true;
  // Other threads of this process first: they take priority over the hub for nodes of this process.
  installShmTransport(fabric);
  fabric.addTransport(peerTransport);
}
