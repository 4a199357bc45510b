import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { nowUs, withTimeout } from '../core/clock.js';
import { summarise, type LatencySummary } from '../core/stats.js';

/** Give up on a round trip after this long (the peer thread is gone or starved). */
const STALL_US = 5_000_000;
/** Stop early after this long (two spinning threads on a busy two-core machine crawl). */
const BUDGET_US = 2_000_000;

/**
 * Raw Atomics spin ping-pong between this thread and a worker, the limit of
 * any worker transport that signals through shared memory. Round trips in us.
 */
export async function atomicsPingPong(iters: number, warm: number): Promise<{ rtt: LatencySummary; iters: number }> {
  const sab = new SharedArrayBuffer(16);
  const flags = new Int32Array(sab);
  const worker = new Worker(new URL('./atomics-peer-entry.js', import.meta.url), { workerData: sab });
  try {
    await withTimeout(once(worker, 'message'), 30_000, 'atomics peer start');
    const samples = new Float64Array(iters);
    const start = nowUs();
    let done = 0;
    for (let i = 1; i <= warm + iters; i++) {
      const t0 = nowUs();
      if (t0 - start > BUDGET_US && done > 0) break;
      Atomics.store(flags, 0, i);
      let spins = 0;
      while (Atomics.load(flags, 1) !== i) {
        if ((++spins & 0xffff) === 0 && nowUs() - t0 > STALL_US) throw new Error('atomics ping-pong: the worker stopped answering');
      }
      const t1 = nowUs();
      if (i > warm) samples[done++] = t1 - t0;
    }
    return { rtt: summarise(samples, done), iters: done };
  } finally {
    Atomics.store(flags, 2, 1);
    const exited = once(worker, 'exit');
    const late = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 2000).unref())]);
    if (late) await worker.terminate();
  }
}
