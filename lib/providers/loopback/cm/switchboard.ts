import { isIP } from 'node:net';
import { HubProtocolError } from '../hub/errors.js';
import { intField, strField } from '../hub/fields.js';
import type { JsonMessage, OutMessage } from '../hub/json-frames.js';

/** Sends a frame to one owner (a hub client, or this thread). */
export type Deliver = (owner: number, msg: OutMessage) => void;

interface Side {
  readonly owner: number;
  readonly id: string;
}

interface Conn {
  readonly active: Side;
  readonly passive: Side;
}

interface Listener {
  readonly owner: number;
  readonly addr: string;
  readonly port: number;
}

/** Reject reasons (the InfiniBand CM's): nobody listens; the application said no. */
const NO_LISTENER = 8;
const CONSUMER = 28;
/** Ports handed to `listen` on port 0. */
const EPHEMERAL_FIRST = 49152;
/** Base64 of the largest private data (196 bytes) fits in this. */
const MAX_PRIVATE_DATA_TEXT = 400;

/**
 * The loopback connection manager's meeting point: the listeners of this
 * host by (address, port), and the connections being made or made between
 * owners. It relays connect requests, accepts, rejects, the connector's
 * "ready to use" and disconnects, and when an owner goes away tells the
 * other side of each of its connections. The hub runs one for all the
 * processes it serves (owners are its clients); a process without the hub
 * runs one for itself. It never touches data.
 *
 * Frames (`t`): `cm-listen {addr, port}` (a request, answered
 * `cm-listening {port}` or an `EADDRINUSE` error), `cm-unlisten {addr, port}`,
 * `cm-connect {id, addr, port, src, ep, pd?, ird, ord}`, `cm-accept {id, ep, pd?}`,
 * `cm-reject {id, pd?}`, `cm-rtu {id}`, `cm-disconnect {id}`; delivered:
 * `cm-request`, `cm-accepted`, `cm-rejected {status}`, `cm-established`, `cm-disconnected`.
 */
export class CmSwitchboard {
  readonly #deliver: Deliver;
  readonly #listeners = new Map<string, Listener>();
  readonly #sides = new Map<string, { conn: Conn; other: Side }>();
  #nextConn = 1;
  #nextPort = EPHEMERAL_FIRST;

  constructor(deliver: Deliver) {
    this.#deliver = deliver;
  }

  /** Listeners and connections, for statistics. */
  get size(): { listeners: number; connections: number } {
    return { listeners: this.#listeners.size, connections: this.#sides.size / 2 };
  }

  /**
   * Handle one `cm-*` frame from `owner`; returns the answer to a request, else null.
   * @throws HubProtocolError for a malformed frame.
   */
  handle(owner: number, msg: JsonMessage): OutMessage | null {
    switch (msg.t) {
      case 'cm-listen': return this.#listen(owner, msg);
      case 'cm-unlisten': {
        const key = listenKey(addrField(msg, 'addr'), intField(msg, 'port', 0, 65535));
        if (this.#listeners.get(key)?.owner === owner) this.#listeners.delete(key);
        return null;
      }
      case 'cm-connect': this.#connect(owner, msg); return null;
      case 'cm-accept': this.#relay(owner, msg, (other) => ({ t: 'cm-accepted', id: other.id, ep: objField(msg, 'ep'), ...pdOf(msg) }), false); return null;
      case 'cm-reject': this.#relay(owner, msg, (other) => ({ t: 'cm-rejected', id: other.id, status: CONSUMER, ...pdOf(msg) }), true); return null;
      case 'cm-rtu': this.#relay(owner, msg, (other) => ({ t: 'cm-established', id: other.id }), false); return null;
      case 'cm-disconnect': this.#relay(owner, msg, (other) => ({ t: 'cm-disconnected', id: other.id }), true); return null;
      default: throw new HubProtocolError(`unknown frame type "${msg.t.slice(0, 32)}"`);
    }
  }

  /** `owner` is gone: its listeners go, the other side of each of its connections is told. */
  ownerGone(owner: number): void {
    for (const [key, l] of this.#listeners) if (l.owner === owner) this.#listeners.delete(key);
    for (const [key, { conn, other }] of [...this.#sides]) {
      if (!key.startsWith(`${owner}/`)) continue;
      this.#forget(conn);
      if (other.owner !== owner) this.#deliver(other.owner, { t: 'cm-disconnected', id: other.id });
    }
  }

  #listen(owner: number, msg: JsonMessage): OutMessage {
    const req = intField(msg, 'req', 1, 0x7fff_ffff);
    const addr = addrField(msg, 'addr');
    let port = intField(msg, 'port', 0, 65535);
    if (port === 0) port = this.#freePort(addr);
    const clash = [...this.#listeners.values()].find((l) => l.port === port && (l.addr === addr || isWildcard(l.addr) || isWildcard(addr)));
    if (clash) return { t: 'error', req, code: 'EADDRINUSE', message: `port ${port} of ${addr} is already listened on` };
    this.#listeners.set(listenKey(addr, port), { owner, addr, port });
    return { t: 'cm-listening', req, port };
  }

  #freePort(addr: string): number {
    for (let i = 0; i < 16384; i++) {
      const port = this.#nextPort;
      this.#nextPort = port >= 65535 ? EPHEMERAL_FIRST : port + 1;
      if (![...this.#listeners.values()].some((l) => l.port === port && (l.addr === addr || isWildcard(l.addr) || isWildcard(addr)))) return port;
    }
    return 0;
  }

  #connect(owner: number, msg: JsonMessage): void {
    const id = strField(msg, 'id', 32);
    const addr = addrField(msg, 'addr');
    const port = intField(msg, 'port', 1, 65535);
    const src = objField(msg, 'src');
    const ep = objField(msg, 'ep');
    const ird = intField(msg, 'ird', 0, 255);
    const ord = intField(msg, 'ord', 0, 255);
    const listener = this.#listeners.get(listenKey(addr, port))
      ?? [...this.#listeners.values()].find((l) => l.port === port && isWildcard(l.addr));
    if (!listener) {
      this.#deliver(owner, { t: 'cm-rejected', id, status: NO_LISTENER });
      return;
    }
    const conn: Conn = { active: { owner, id }, passive: { owner: listener.owner, id: `s${this.#nextConn++}` } };
    this.#sides.set(sideKey(conn.active), { conn, other: conn.passive });
    this.#sides.set(sideKey(conn.passive), { conn, other: conn.active });
    this.#deliver(listener.owner, {
      t: 'cm-request', id: conn.passive.id, listen: { addr: listener.addr, port: listener.port }, dst: { address: addr, port }, src, ep, ird, ord, ...pdOf(msg),
    });
  }

  /** Pass a frame about a connection to its other side; `last` ends the connection. */
  #relay(owner: number, msg: JsonMessage, make: (other: Side) => OutMessage, last: boolean): void {
    const entry = this.#sides.get(sideKey({ owner, id: strField(msg, 'id', 32) }));
    if (!entry) return;
    const out = make(entry.other);
    if (last) this.#forget(entry.conn);
    this.#deliver(entry.other.owner, out);
  }

  #forget(conn: Conn): void {
    this.#sides.delete(sideKey(conn.active));
    this.#sides.delete(sideKey(conn.passive));
  }
}

function sideKey(s: Side): string {
  return `${s.owner}/${s.id}`;
}

function listenKey(addr: string, port: number): string {
  return `${addr}|${port}`;
}

/** `0.0.0.0` or `::`: every address of the host. */
export function isWildcard(addr: string): boolean {
  return addr === '0.0.0.0' || addr === '::';
}

function addrField(msg: JsonMessage, key: string): string {
  const v = strField(msg, key, 64);
  if (isIP(v) === 0) throw new HubProtocolError(`"${msg.t}" frame: field "${key}" must be a numeric IP address`);
  return v;
}

function objField(msg: JsonMessage, key: string): Record<string, unknown> {
  const v = msg[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HubProtocolError(`"${msg.t}" frame: field "${key}" must be an object`);
  return v as Record<string, unknown>;
}

function pdOf(msg: JsonMessage): { pd?: string } {
  if (msg['pd'] === undefined) return {};
  return { pd: strField(msg, 'pd', MAX_PRIVATE_DATA_TEXT) };
}
