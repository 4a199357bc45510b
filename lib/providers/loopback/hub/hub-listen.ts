import { lstatSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { HubAddress } from './address.js';
import { acquireHubLock } from './hub-lock.js';
import { codeOf, messageOf } from './errors.js';
import { ensureRuntimeDir, runtimeDirPath } from './runtime-dir.js';
import { listenOnSocketFile, startListening, type BoundSocketFile } from './socket-listen.js';

/** A listening hub address and how to let it go. */
export interface Listening {
  /** Stop listening and remove the socket file (if still ours). */
  close(): void;
}

/** `taken`: another live hub serves this address already. */
export type ListenResult = Listening | 'taken';

/** How often a hub checks that its socket file is still there. */
export const SOCKET_CHECK_MS = 250;

/**
 * Listen on a Unix socket for hub clients: in the runtime directory
 * (created when missing only if `createDir`; checked and fixed to 0700),
 * under the start-up lock, replacing a stale socket file left by a dead
 * hub; the socket itself gets mode 0600.
 *
 * While it listens, the hub checks its socket file every
 * `SOCKET_CHECK_MS`: when the file was deleted (a cleaner of /tmp) or
 * replaced by a socket nobody serves, it binds the path again (clients
 * already connected are not affected), and says so through `log`. A path
 * taken by anything else is left alone, with a line in the log.
 * @throws RdmaError `ERR_RUNTIME_DIR` for an unusable runtime directory; Error when the path is not a socket or cannot be bound.
 */
export async function listenUnix(addr: HubAddress & { kind: 'unix' }, onSocket: (s: Socket) => void, createDir: boolean, log: (line: string) => void): Promise<ListenResult> {
  const dir = dirname(addr.path);
  if (dir === runtimeDirPath()) ensureRuntimeDir(dir, createDir);
  const lock = await acquireHubLock(addr.path);
  if (!lock.held) return 'taken';
  let server: Server;
  let file: BoundSocketFile;
  try {
    if (await liveSocketAt(addr.path)) {
      lock.release();
      return 'taken';
    }
    server = createServer(onSocket);
    file = await listenOnSocketFile(server, addr.path);
  } catch (err) {
    lock.release();
    if (codeOf(err) === 'EADDRINUSE') return 'taken';
    throw err;
  }
  let closed = false;
  let checking = false;
  let reported = '';
  const check = async (): Promise<void> => {
    if (closed || checking || file.present()) return;
    checking = true;
    const what = describePath(addr.path);
    try {
      if (what !== 'missing' && (what !== 'socket' || await liveSocketAt(addr.path))) {
        const why = `${addr.path} is no longer this hub's socket (now ${what === 'socket' ? 'a socket another process serves' : 'a file that is not a socket'}): new clients cannot reach this hub`;
        if (why !== reported) log(why);
        reported = why;
        return;
      }
      const next = createServer(onSocket);
      const nextFile = await listenOnSocketFile(next, addr.path);
      if (closed) {
        next.close();
        nextFile.remove();
        return;
      }
      server.close();
      server = next;
      file = nextFile;
      reported = '';
      log(`socket ${addr.path} was ${what === 'missing' ? 'deleted' : 'replaced by a dead socket'}: listening on it again`);
    } catch (err) {
      const why = `cannot listen on ${addr.path} again: ${messageOf(err)}`;
      if (why !== reported) log(why);
      reported = why;
    } finally {
      checking = false;
    }
  };
  const guard = setInterval(() => void check(), SOCKET_CHECK_MS);
  guard.unref();
  return {
    close() {
      if (closed) return;
      closed = true;
      clearInterval(guard);
      server.close();
      file.remove();
      lock.release();
    },
  };
}

/**
 * Listen on TCP for hub clients (they must present the token).
 * @throws Error when the port cannot be bound for another reason than being in use.
 */
export async function listenTcp(addr: HubAddress & { kind: 'tcp' }, onSocket: (s: Socket) => void): Promise<ListenResult> {
  const server = createServer(onSocket);
  try {
    await startListening(server, { host: addr.host, port: addr.port, exclusive: true });
  } catch (err) {
    if (codeOf(err) === 'EADDRINUSE') return 'taken';
    throw err;
  }
  return { close: () => server.close() };
}

function describePath(path: string): 'missing' | 'socket' | 'other' {
  try {
    return lstatSync(path).isSocket() ? 'socket' : 'other';
  } catch {
    return 'missing';
  }
}

/** True when something accepts connections at `path`; a stale socket file is removed. @throws Error when `path` exists and is not a socket. */
async function liveSocketAt(path: string): Promise<boolean> {
  const what = describePath(path);
  if (what === 'missing') return false;
  if (what === 'other') throw new Error(`${path} exists and is not a socket`);
  const live = await new Promise<boolean>((resolve) => {
    const s = createConnection({ path });
    const timer = setTimeout(() => { s.destroy(); resolve(true); }, 1000);
    s.once('connect', () => { clearTimeout(timer); s.destroy(); resolve(true); });
    s.once('error', () => { clearTimeout(timer); resolve(false); });
  });
  if (!live) {
    try {
      unlinkSync(path);
    } catch (err) {
      if (codeOf(err) !== 'ENOENT') throw new Error(`cannot remove the stale socket ${path}: ${messageOf(err)}`);
    }
  }
  return live;
}
