import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { HubAddress } from './address.js';
import { acquireHubLock } from './hub-lock.js';
import { codeOf, messageOf } from './errors.js';
import { ensureRuntimeDir, runtimeDirPath } from './runtime-dir.js';

/** A listening hub address and how to let it go. */
export interface Listening {
  readonly server: Server;
  /** Stop listening and remove the socket file (if still ours). */
  close(): void;
}

/** `taken`: another live hub serves this address already. */
export type ListenResult = Listening | 'taken';

/**
 * Listen on a Unix socket for hub clients: in the runtime directory
 * (created when missing only if `createDir`; checked and fixed to 0700),
 * under the start-up lock, replacing a stale socket file
 * left by a dead hub; the socket itself gets mode 0600.
 * @throws RdmaError `ERR_RUNTIME_DIR` for an unusable runtime directory; Error when the path is not a socket or cannot be bound.
 */
export async function listenUnix(addr: HubAddress & { kind: 'unix' }, onSocket: (s: Socket) => void, createDir: boolean): Promise<ListenResult> {
  const dir = dirname(addr.path);
  if (dir === runtimeDirPath()) ensureRuntimeDir(dir, createDir);
  const lock = await acquireHubLock(addr.path);
  if (!lock.held) return 'taken';
  try {
    if (await liveSocketAt(addr.path)) {
      lock.release();
      return 'taken';
    }
    const server = createServer(onSocket);
    await listen(server, () => server.listen(addr.path));
    chmodSync(addr.path, 0o600);
    const ino = lstatSync(addr.path).ino;
    return {
      server,
      close() {
        server.close();
        try {
          if (lstatSync(addr.path).ino === ino) unlinkSync(addr.path);
        } catch {
          // already gone
        }
        lock.release();
      },
    };
  } catch (err) {
    lock.release();
    if (codeOf(err) === 'EADDRINUSE') return 'taken';
    throw err;
  }
}

/**
 * Listen on TCP for hub clients (they must present the token).
 * @throws Error when the port cannot be bound for another reason than being in use.
 */
export async function listenTcp(addr: HubAddress & { kind: 'tcp' }, onSocket: (s: Socket) => void): Promise<ListenResult> {
  const server = createServer(onSocket);
  try {
    await listen(server, () => server.listen({ host: addr.host, port: addr.port, exclusive: true }));
  } catch (err) {
    if (codeOf(err) === 'EADDRINUSE') return 'taken';
    throw err;
  }
  return { server, close: () => server.close() };
}

function listen(server: Server, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      server.on('error', () => {});
      resolve();
    });
    start();
  });
}

/** True when something accepts connections at `path`; a stale socket file is removed. @throws Error when `path` exists and is not a socket. */
async function liveSocketAt(path: string): Promise<boolean> {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return false;
  }
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket`);
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
