// Script for terminate.test.ts. As the main thread: start `count` workers one
// after another, let each spin in addon calls that throw (getDeviceList where
// the kernel has no RDMA, openDevice of a device that does not exist), terminate it at a
// random moment, and print `survived <count>`. As a worker: the spin.
// The throwing calls matter: an addon error raised while the thread is being
// terminated cannot be thrown into JavaScript any more.
//
// argv: [count]
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { loadAddon } from '../../lib/providers/native/index.js';

if (isMainThread) {
  const count = Number(process.argv[2] ?? 100);
  for (let i = 0; i < count; i++) {
    const worker = new Worker(new URL(import.meta.url));
    // A worker that fails before it spins ends the run (exit 1), never hangs it.
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker ${i} exited with ${code} before it started spinning`)));
    });
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
    await worker.terminate();
  }
  console.log(`survived ${count}`);
} else {
  const load = loadAddon();
  if (!load.ok) throw new Error(`the addon did not load: ${load.reason}`);
  const { addon } = load;
  parentPort!.postMessage('spinning');
  for (;;) {
    try {
      addon.getDeviceList();
      addon.openDevice('vrdma-no-such-device');
    } catch {
      // expected: every call throws a typed error; the point is where
      // termination finds the thread
    }
  }
}
