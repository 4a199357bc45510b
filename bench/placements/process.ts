import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childChannel } from '../core/channel.js';
import type { PollMode } from '../core/pacer.js';
import type { RigOptions } from '../verbs/rig.js';
import type { Session } from '../verbs/session.js';
import { handshake } from './remote-session.js';
import type { Placement } from './placement.js';

/** How long a child may take to leave after `bye` before it is killed. */
const EXIT_GRACE_MS = 3_000;

/** Stop a child this process forked: wait briefly for it to exit, then kill it (by its own handle). */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), EXIT_GRACE_MS).unref());
  if (await Promise.race([exited, timer]) === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * The target in a second Node process. On loopback both sides join the hub
 * (`hub: true`); on a native device both open it directly. `socketOnly`
 * (loopback): the target takes no requests in shared memory
 * (`VRDMA_LOOPBACK_SHM=0`), so every byte it receives travels on the peer socket.
 */
export function processPlacement(mode: PollMode, via: string, socketOnly = false): Placement {
  return {
    kind: socketOnly ? 'process-socket' : 'process',
    label: `cross-process, ${via}${socketOnly ? ', bytes on the socket' : ''} (${mode})`,
    mode,
    async open(options: RigOptions): Promise<Session> {
      const entry = fileURLToPath(new URL('./process-entry.js', import.meta.url));
      const env = socketOnly ? { ...process.env, VRDMA_LOOPBACK_SHM: '0' } : process.env;
      const child = fork(entry, [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', env });
      const channel = childChannel(child);
      return handshake(channel, options, () => stopChild(child));
    },
  };
}
