import { connectHub } from './connect-hub.js';
import { defaultHubAddressText, parseAddress, type HubAddress } from './address.js';
import { hubUnavailable } from './errors.js';
import { HubNode, type Registration } from './hub-node.js';
import type { SelfRouter } from '../node.js';
import { selfRoute } from '../self-route.js';
import { HubSession } from './hub-session.js';
import { listenForPeers, type PeerListener } from './peer-listener.js';
import { PeerTransport } from './peer-transport.js';
import { ensureRuntimeDir, runtimeDirPath } from './runtime-dir.js';

/** This thread's peer transport (added to the fabric by `installTransports`). */
export const peerTransport = new PeerTransport();

/** Reaches this thread's hub nodes through the process's peer connection to itself. */
const selfRouter: SelfRouter = {
  route: (gid) => peerTransport.selfRoute(gid),
  connect: () => peerTransport.connectSelf(),
};

/** Where to find the hub and how to prove who we are. */
export interface HubNodeOptions {
  /** Default: `VRDMA_HUB`, else the per-user socket. */
  readonly hubAddress?: string | undefined;
  /** Default: `VRDMA_HUB_TOKEN`. */
  readonly hubToken?: string | undefined;
}

/** A node registered with the hub and how to give it back. */
export interface OpenedHubNode {
  readonly node: HubNode;
  /** Unregister; the last release of the thread ends the hub session. Idempotent, never throws. */
  readonly release: () => void;
}

interface Active {
  readonly key: string;
  readonly session: HubSession;
  readonly listener: PeerListener;
  nodes: number;
  closed: boolean;
}

let active: Active | null = null;
let opening: Promise<Active> | null = null;

/**
 * Open a hub node for this thread: find (or start) the hub, set up this
 * thread's peer listener the first time, and register a node with a fresh
 * LID, GID and QPN base.
 *
 * Remote requests and completions are delivered on the event loop: a
 * thread that polls its CQ in a tight synchronous loop never sees them;
 * await `cq.next()` / `cq.wait()` or yield between polls.
 * @throws InvalidArgumentError for a malformed hub address.
 * @throws RdmaError `ERR_RUNTIME_DIR` when the runtime directory is unusable.
 * @throws RdmaError `ERR_HUB_AUTH` / `ERR_HUB_VERSION` when the hub refuses this client.
 * @throws RdmaError `ERR_HUB_UNAVAILABLE` when no hub can be reached or started, or this thread already uses another hub.
 */
export async function openHubNode(options: HubNodeOptions): Promise<OpenedHubNode> {
  const addr = parseAddress(options.hubAddress ?? defaultHubAddressText(), options.hubAddress === undefined ? 'VRDMA_HUB' : 'hubAddress');
  const token = options.hubToken ?? (process.env['VRDMA_HUB_TOKEN'] || null);
  let a: Active;
  for (;;) {
    a = await activeFor(addr, token);
    if (!a.closed) break;
  }
  a.nodes++;
  let reg;
  try {
    reg = await a.session.register();
  } catch (err) {
    a.nodes--;
    endIfUnused(a);
    throw err;
  }
  return attachNode(a, reg, false);
}

/** A hub node of session `a` (counted in `a.nodes` already) and how to give it back. */
function attachNode(a: Active, reg: Registration, hidden: boolean): OpenedHubNode {
  const session = a.session;
  const node = new HubNode(reg, (op, qpn) => session.reportQp(reg.lid, op, qpn), session.cm, selfRoute() === 'peers' ? selfRouter : null);
  node.hidden = hidden;
  session.attach(node);
  let released = false;
  return {
    node,
    release: () => {
      if (released) return;
      released = true;
      session.detach(node);
      a.nodes--;
      endIfUnused(a);
    },
  };
}

async function activeFor(addr: HubAddress, token: string | null): Promise<Active> {
  if (!active && !opening) {
    opening = start(addr, token).finally(() => {
      opening = null;
    });
  }
  const a = active ?? (await opening!);
  if (a.key !== addr.text) throw hubUnavailable(`this thread already uses the hub at ${a.key}; close its loop0 contexts before using ${addr.text}`);
  return a;
}

async function start(addr: HubAddress, token: string | null): Promise<Active> {
  const conn = await connectHub(addr, { token, start: true });
  let listener: PeerListener | null = null;
  try {
    listener = await listenForPeers(
      addr.kind === 'unix'
        ? { kind: 'unix', dir: ensureRuntimeDir(runtimeDirPath()) }
        : { kind: 'tcp', host: conn.localAddress ?? '127.0.0.1' },
      (socket) => peerTransport.accept(socket, addr.kind === 'tcp'),
    );
    const session = new HubSession(conn.address, token, conn, listener.address);
    const l = listener;
    peerTransport.start({
      id: listener.address, token: addr.kind === 'tcp' ? token : null, locate: (gid) => session.locate(gid), setListenerRef: (ref) => l.setRef(ref),
    });
    const a: Active = { key: addr.text, session, listener: l, nodes: 0, closed: false };
    active = a;
    return a;
  } catch (err) {
    listener?.close();
    conn.close();
    throw err;
  }
}

function endIfUnused(a: Active): void {
  if (a.nodes > 0 || a.closed) return;
  a.closed = true;
  if (active === a) active = null;
  peerTransport.stop();
  a.listener.close();
  a.session.close();
}

/**
 * A node with a LID, GID and QPN base that another process registered
 * (its QP moves here), hidden from peers until `peerTransport.reveal(node)`:
 * the hub gives it the LID only when the other process hands it over.
 * @throws RdmaError `ERR_HUB_UNAVAILABLE` when this thread has no hub session, or uses another hub.
 */
export function adoptHubNode(reg: Registration, hubKey: string): OpenedHubNode {
  const a = active;
  if (!a || a.closed) throw hubUnavailable('this thread has no open loop0 context on the hub');
  if (a.key !== hubKey) throw hubUnavailable(`this thread uses the hub at ${a.key}, the queue pair's process the one at ${hubKey}`);
  a.nodes++;
  return attachNode(a, reg, true);
}

/** This thread's hub session: its hub address (`key`), its peer address and the session, or null without one. */
export function currentHubSession(): { readonly key: string; readonly session: HubSession } | null {
  return active && !active.closed ? { key: active.key, session: active.session } : null;
}
