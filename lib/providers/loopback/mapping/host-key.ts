import { readFileSync, statSync } from 'node:fs';
import { SHM_DIR } from './names.js';

let cached: string | null | undefined;

/**
 * What identifies the shared memory this process can name: the kernel's
 * boot id and the device and inode of `/dev/shm`. Two processes with equal
 * keys see the same objects (same kernel, same mount); containers with a
 * /dev/shm of their own get different keys. Null when either is unknown.
 */
export function shmHostKey(): string | null {
  if (cached !== undefined) return cached;
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const st = statSync(SHM_DIR);
    cached = `${boot}:${st.dev}:${st.ino}`;
  } catch {
    cached = null;
  }
  return cached;
}
