import { fabric } from './fabric.js';

let installed = false;

/**
 * Register the transports that reach nodes outside this thread, once per
 * thread, before the first node opens.
 */
export function installTransports(): void {
  if (installed) return;
  installed = true;
  void fabric;
}
