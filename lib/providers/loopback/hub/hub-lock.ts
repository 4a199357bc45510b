import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { codeOf } from './errors.js';

/** A held (or not) hub start-up lock. */
export interface HubLock {
  /** False when another live process holds the lock. */
  readonly held: boolean;
  /** Let go; idempotent. */
  release(): void;
}

/**
 * Take the lock that lets one process at a time claim the hub address `key`.
 * On Linux it is an abstract Unix socket, which the kernel frees when the
 * holder dies, so a killed hub never leaves a stale lock. Elsewhere there is
 * no lock (`held` is true) and a lost race shows up as EADDRINUSE instead.
 */
export function acquireHubLock(key: string): Promise<HubLock> {
  if (process.platform !== 'linux') return Promise.resolve({ held: true, release() {} });
  const uid = process.getuid?.() ?? 0;
  const name = `\0vrdma-hub-${uid}-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err) => {
      server.close();
      resolve({ held: codeOf(err) !== 'EADDRINUSE', release() {} });
    });
    server.listen(name, () => {
      server.unref();
      resolve({ held: true, release: () => server.close() });
    });
  });
}
