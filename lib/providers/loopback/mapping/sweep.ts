import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../hub/process-alive.js';
import { SHM_DIR, creatorOf } from './names.js';

/** How long `sweepWhenGone` waits for a process to be gone. */
const GONE_WAIT_MS = 10_000;
const GONE_POLL_MS = 100;

/**
 * Remove the shared memory objects of this user's processes that no longer
 * exist (killed before they could remove them), or only those of `pid`.
 * Never throws.
 * @returns how many were removed.
 */
export function sweepMappings(pid?: number): number {
  let names: string[];
  try {
    names = readdirSync(SHM_DIR);
  } catch {
    return 0;
  }
  let removed = 0;
  const dead = new Map<number, boolean>();
  for (const entry of names) {
    const creator = creatorOf(`/${entry}`);
    if (creator === 0 || creator === process.pid || (pid !== undefined && creator !== pid)) continue;
    let gone = dead.get(creator);
    if (gone === undefined) {
      gone = !processAlive(creator);
      dead.set(creator, gone);
    }
    if (!gone) continue;
    try {
      unlinkSync(join(SHM_DIR, entry));
      removed++;
    } catch {
      // removed by someone else meanwhile
    }
  }
  return removed;
}

/**
 * Once process `pid` is gone (a peer whose connection broke may still be
 * exiting), remove what it left in shared memory. Waits up to 10 s on
 * timers that do not keep the process alive; a process still alive then
 * is left alone (it closed its contexts and lives on).
 */
export function sweepWhenGone(pid: number): void {
  const deadline = Date.now() + GONE_WAIT_MS;
  const check = (): void => {
    if (!processAlive(pid)) {
      sweepMappings(pid);
      return;
    }
    if (Date.now() < deadline) setTimeout(check, GONE_POLL_MS).unref();
  };
  check();
}
