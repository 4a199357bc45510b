import { Worker } from 'node:worker_threads';
import { workerChannel } from '../core/channel.js';
import type { PollMode } from '../core/pacer.js';
import type { RigOptions } from '../verbs/rig.js';
import type { Session } from '../verbs/session.js';
import { handshake } from './remote-session.js';
import type { Placement } from './placement.js';

/** How long a worker may take to leave after `bye` before it is terminated. */
const EXIT_GRACE_MS = 2_000;

/** Stop a worker this thread started: wait briefly for it to leave, then terminate it. */
async function stopWorker(worker: Worker): Promise<void> {
  if (worker.threadId === -1) return;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), EXIT_GRACE_MS).unref());
  if (await Promise.race([exited, timer]) === 'late') await worker.terminate();
}

/** The target in a worker thread of this process; `hub` false: the worker transport joins them. */
export function workerPlacement(mode: PollMode): Placement {
  return {
    kind: 'worker',
    label: `main <-> worker (${mode})`,
    mode,
    async open(options: RigOptions): Promise<Session> {
      const worker = new Worker(new URL('./worker-entry.js', import.meta.url), { workerData: { ...options } });
      const channel = workerChannel(worker);
      return handshake(channel, options, () => stopWorker(worker));
    },
  };
}
