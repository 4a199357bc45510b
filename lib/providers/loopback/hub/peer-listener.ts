import { randomBytes } from 'node:crypto';
import { readdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { formatTcp } from './address.js';
import { processAlive } from './process-alive.js';
import { sweepMappings } from '../mapping/sweep.js';
import { listenOnSocketFile, startListening } from './socket-listen.js';

/** Where to listen for peers: a socket in the runtime directory, or TCP on one interface. */
export type PeerListenSpec = { readonly kind: 'unix'; readonly dir: string } | { readonly kind: 'tcp'; readonly host: string };

/** A listening peer endpoint. */
export interface PeerListener {
  /** The address peers dial (and this process's identity among peers). */
  readonly address: string;
  /** Whether the listener keeps the process alive. */
  setRef(ref: boolean): void;
  /** Stop listening and remove the socket file. */
  close(): void;
}

const PEER_SOCKET = /^peer-(\d+)-\d+-[0-9a-f]+\.sock$/;

/**
 * Listen for peer connections. A Unix socket is named after the process and
 * thread (`peer-<pid>-<thread>-<random>.sock`, mode 0600); sockets left by
 * processes that no longer exist are removed first.
 * @throws Error when the socket cannot be bound.
 */
export async function listenForPeers(spec: PeerListenSpec, onSocket: (s: Socket) => void): Promise<PeerListener> {
  const server = createServer(onSocket);
  if (spec.kind === 'unix') {
    removeStaleSockets(spec.dir);
    sweepMappings();
    const file = await listenOnSocketFile(server, join(spec.dir, `peer-${process.pid}-${threadId}-${randomBytes(3).toString('hex')}.sock`));
    return listener(server, file.path, () => file.remove());
  }
  await startListening(server, { host: spec.host, port: 0 });
  const a = server.address();
  const port = typeof a === 'object' && a !== null ? a.port : 0;
  return listener(server, formatTcp(spec.host, port), () => {});
}

function listener(server: Server, address: string, cleanup: () => void): PeerListener {
  let closed = false;
  return {
    address,
    setRef: (ref) => {
      if (ref) server.ref();
      else server.unref();
    },
    close() {
      if (closed) return;
      closed = true;
      server.close();
      cleanup();
    },
  };
}

function removeStaleSockets(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = PEER_SOCKET.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // another process removed it
    }
  }
}
