import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, renameSync, unlinkSync } from 'node:fs';
import type { ListenOptions, Server } from 'node:net';
import { dirname, join } from 'node:path';

/** A Unix socket file this process bound, told apart from any file later put at its path. */
export interface BoundSocketFile {
  readonly path: string;
  /** True while the path still names the socket this process bound (not deleted, not replaced). */
  present(): boolean;
  /** Remove the file if it is still ours; never throws. */
  remove(): void;
}

/**
 * Start `server` listening and wait until it does. Later errors of the
 * listening socket are ignored (its connections report their own).
 * @throws Error as `listen` fails (`EADDRINUSE`, `EACCES`, ...).
 */
export function startListening(server: Server, where: ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      server.on('error', () => {});
      resolve();
    });
    server.listen(where);
  });
}

/**
 * Listen on the Unix socket `path` with mode 0600 (only this user may
 * connect), and remember which file that is. The socket is bound under a
 * temporary name beside `path` and renamed onto it, replacing whatever file
 * was there: callers check first that nothing live is replaced. Closing the
 * server then never removes a file that another process put at `path`
 * (Node.js removes the name a server was bound to when it closes).
 * @throws Error as `listen`, `chmod` or `rename` fails.
 */
export async function listenOnSocketFile(server: Server, path: string): Promise<BoundSocketFile> {
  const temp = join(dirname(path), `.bind-${randomBytes(6).toString('hex')}`);
  await startListening(server, { path: temp });
  try {
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  } catch (err) {
    server.close();
    throw err;
  }
  const ino = lstatSync(path).ino;
  const ours = (): boolean => {
    try {
      return lstatSync(path).ino === ino;
    } catch {
      return false;
    }
  };
  return {
    path,
    present: ours,
    remove() {
      if (!ours()) return;
      try {
        unlinkSync(path);
      } catch {
        // removed meanwhile
      }
    },
  };
}
