/**
 * Worker entry for the Atomics spin ping-pong baseline: answers each ping
 * (slot 0) with the same number in slot 1, spinning; stops when slot 2 is set.
 */
import { parentPort, workerData } from 'node:worker_threads';

const flags = new Int32Array(workerData as SharedArrayBuffer);
let next = 1;
parentPort?.postMessage('ready');
for (;;) {
  if (Atomics.load(flags, 2) !== 0) break;
  if (Atomics.load(flags, 0) === next) {
    Atomics.store(flags, 1, next);
    next++;
  }
}
