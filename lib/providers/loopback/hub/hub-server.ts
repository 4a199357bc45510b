import type { Socket } from 'node:net';
import { HubProtocolError, codeOf, messageOf } from './errors.js';
import { HUB_PROTOCOL_VERSION, JsonFrameReader, encodeJsonFrame, type JsonMessage, type OutMessage } from './json-frames.js';
import { intField, optIntField, strField } from './fields.js';
import { NodeTable } from './node-table.js';
import { tokenMatches } from './token.js';
import { CmSwitchboard } from '../cm/switchboard.js';

/** What the hub answers to a `stats` request. */
export interface HubStats {
  readonly pid: number;
  readonly uptimeMs: number;
  /** Connected clients (hello done or not). */
  readonly clients: number;
  readonly nodes: number;
  readonly qps: number;
  /** Frames handled, by type (well-formed frames only). */
  readonly frames: Readonly<Record<string, number>>;
  /** Connections dropped for a malformed frame. */
  readonly rejected: number;
  /** Bytes received from all clients. */
  readonly bytesIn: number;
}

/** How a hub behaves. */
export interface HubOptions {
  /** Exit (call `onIdle`) after this long without any client; 0 = never. */
  readonly idleMs: number;
  /** The token TCP clients must present in their hello; null = TCP clients are refused. */
  readonly token: string | null;
  /** The LID to start counting from (kept across restarts so LIDs are not reused at once). */
  readonly nextLid?: number;
  /** Called when no client has been connected for `idleMs`. */
  readonly onIdle: () => void;
  /** Called when the next LID to hand out changes (to persist it). */
  readonly onNextLid?: (lid: number) => void;
  /** How long a frame may take to arrive whole, from its first byte (default `FRAME_MS`). */
  readonly frameMs?: number;
  /** Where the hub says why it dropped a client. */
  readonly log?: (line: string) => void;
}

interface Client {
  readonly id: number;
  readonly socket: Socket;
  readonly reader: JsonFrameReader;
  readonly tcp: boolean;
  hello: boolean;
  pid: number;
  done: boolean;
  /** Runs while a frame has begun to arrive and has not arrived whole. */
  frameTimer: NodeJS.Timeout | null;
}

/** Hello timeout: a connection that says nothing is dropped. */
const HELLO_MS = 5000;
/** A frame (at most 64 KiB) that has not arrived whole this long after its first byte never will: its sender is dropped. */
export const FRAME_MS = 5000;
/** How long a rejected client gets to read its error frame before the socket is destroyed. */
const LINGER_MS = 1000;
/** Request ids are positive 31-bit integers. */
const MAX_REQ = 0x7fff_ffff;

/**
 * The hub: the control path of the loopback fabric. It keeps the node table
 * (LID, GID, QPN base, peer address, QPs), answers `register`, `resolve` and
 * `stats` requests, and never carries data. A malformed frame gets its
 * sender an `error` frame and a disconnect; the hub itself keeps running.
 */
export class Hub {
  readonly #opts: HubOptions;
  readonly #table: NodeTable;
  readonly #clients = new Map<number, Client>();
  readonly #frames = new Map<string, number>();
  readonly #started = Date.now();
  #nextId = 1;
  #rejected = 0;
  #bytesIn = 0;
  #idleTimer: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #cm = new CmSwitchboard((owner, msg) => {
    const c = this.#clients.get(owner);
    if (c) this.#send(c, msg);
  });

  constructor(opts: HubOptions) {
    this.#opts = opts;
    this.#table = new NodeTable(opts.nextLid);
    this.#armIdle();
  }

  /** Serve a newly accepted connection. */
  attach(socket: Socket, tcp: boolean): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    if (tcp) socket.setNoDelay(true);
    const c: Client = { id: this.#nextId++, socket, reader: new JsonFrameReader(), tcp, hello: false, pid: 0, done: false, frameTimer: null };
    this.#clients.set(c.id, c);
    this.#armIdle();
    const helloTimer = setTimeout(() => {
      if (!c.hello && !c.done) this.#reject(c, 'ERR_HUB_PROTOCOL', `no hello within ${HELLO_MS} ms`);
    }, HELLO_MS);
    helloTimer.unref();
    socket.on('data', (chunk: Buffer) => this.#onData(c, chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(helloTimer);
      if (c.frameTimer) clearTimeout(c.frameTimer);
      this.#clients.delete(c.id);
      this.#table.removeOwner(c.id);
      this.#cm.ownerGone(c.id);
      this.#armIdle();
    });
  }

  stats(): HubStats {
    return {
      pid: process.pid, uptimeMs: Date.now() - this.#started, clients: this.#clients.size, nodes: this.#table.size,
      qps: this.#table.qpCount, frames: Object.fromEntries(this.#frames), rejected: this.#rejected, bytesIn: this.#bytesIn,
    };
  }

  /** Disconnect every client and stop the idle timer. */
  close(): void {
    this.#closed = true;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    for (const c of this.#clients.values()) c.socket.destroy();
  }

  #armIdle(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    if (this.#closed || this.#clients.size > 0 || this.#opts.idleMs <= 0) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      if (this.#clients.size === 0 && !this.#closed) this.#opts.onIdle();
    }, this.#opts.idleMs);
  }

  #onData(c: Client, chunk: Buffer): void {
    if (c.done) return;
    this.#bytesIn += chunk.length;
    let msgs: JsonMessage[];
    try {
      msgs = c.reader.push(chunk);
    } catch (err) {
      this.#reject(c, codeOf(err) ?? 'ERR_HUB_PROTOCOL', messageOf(err));
      return;
    }
    for (const msg of msgs) {
      if (c.done) return;
      try {
        this.#handle(c, msg);
      } catch (err) {
        this.#reject(c, codeOf(err) ?? 'ERR_HUB_PROTOCOL', messageOf(err));
        return;
      }
    }
    this.#watchPartialFrame(c);
  }

  /** Time the frame that has begun to arrive: one that does not complete within `frameMs` gets its sender dropped. */
  #watchPartialFrame(c: Client): void {
    if (c.reader.pendingBytes === 0) {
      if (c.frameTimer) clearTimeout(c.frameTimer);
      c.frameTimer = null;
      return;
    }
    if (c.frameTimer || c.done) return;
    const ms = this.#opts.frameMs ?? FRAME_MS;
    c.frameTimer = setTimeout(() => {
      c.frameTimer = null;
      this.#reject(c, 'ERR_HUB_PROTOCOL', `a frame began ${ms} ms ago and is still incomplete (${c.reader.pendingBytes} bytes received)`);
    }, ms);
    c.frameTimer.unref();
  }

  #handle(c: Client, msg: JsonMessage): void {
    if (!c.hello) {
      this.#hello(c, msg);
      return;
    }
    switch (msg.t) {
      case 'register': {
        const req = intField(msg, 'req', 1, MAX_REQ);
        const peer = strField(msg, 'peer', 512);
        const reclaim = optIntField(msg, 'reclaim', 0, 0xffff);
        this.#count(msg.t);
        const r = this.#table.register(c.id, peer, c.pid, reclaim);
        if (!r.ok) {
          this.#send(c, { t: 'error', req, code: r.code, message: r.message });
          return;
        }
        this.#opts.onNextLid?.(this.#table.nextLid);
        this.#send(c, { t: 'registered', req, lid: r.node.lid, gid: r.node.gid, qpnBase: r.node.qpnBase });
        return;
      }
      case 'unregister':
        this.#table.remove(c.id, intField(msg, 'lid', 0, 0xffff));
        this.#count(msg.t);
        return;
      case 'resolve': {
        const req = intField(msg, 'req', 1, MAX_REQ);
        const gid = strField(msg, 'gid', 64);
        this.#count(msg.t);
        const r = this.#table.byGid(gid);
        this.#send(c, r ? { t: 'resolved', req, gid, found: true, lid: r.lid, peer: r.peer, pid: r.pid } : { t: 'resolved', req, gid, found: false });
        return;
      }
      case 'move': {
        const req = intField(msg, 'req', 1, MAX_REQ);
        const lid = intField(msg, 'lid', 0, 0xffff);
        const peer = strField(msg, 'peer', 512);
        this.#count(msg.t);
        const r = this.#table.move(c.id, lid, peer);
        this.#send(c, r.ok ? { t: 'moved', req, lid, pid: r.node.pid } : { t: 'error', req, code: r.code, message: r.message });
        return;
      }
      case 'qp': {
        const lid = intField(msg, 'lid', 0, 0xffff);
        const qpn = intField(msg, 'qpn', 0, 0xff_ffff);
        const op = strField(msg, 'op', 16);
        if (op !== 'create' && op !== 'destroy') throw new HubProtocolError(`"qp" frame: op must be "create" or "destroy"`);
        this.#count(msg.t);
        this.#table.qp(c.id, lid, qpn, op === 'create');
        return;
      }
      case 'stats': {
        const req = intField(msg, 'req', 1, MAX_REQ);
        this.#count(msg.t);
        this.#send(c, { t: 'stats', req, ...this.stats() });
        return;
      }
      default: {
        if (!msg.t.startsWith('cm-')) throw new HubProtocolError(`unknown frame type "${msg.t.slice(0, 32)}"`);
        const answer = this.#cm.handle(c.id, msg);
        this.#count(msg.t);
        if (answer) this.#send(c, answer);
      }
    }
  }

  #hello(c: Client, msg: JsonMessage): void {
    if (msg.t !== 'hello') throw new HubProtocolError(`the first frame must be "hello", not "${msg.t.slice(0, 32)}"`);
    const v = msg['v'];
    if (v !== HUB_PROTOCOL_VERSION) {
      const why = `this hub speaks protocol version ${HUB_PROTOCOL_VERSION}, the client ${String(v).slice(0, 16)}: `
        + 'each protocol version runs a hub of its own (a client of another version uses one at a versioned socket name beside this one, such as hub-v<N>.sock)';
      this.#reject(c, 'ERR_HUB_VERSION', why, { v: HUB_PROTOCOL_VERSION });
      return;
    }
    if (c.tcp && (this.#opts.token === null || !tokenMatches(this.#opts.token, msg['token']))) {
      this.#count('hello');
      this.#reject(c, 'ERR_HUB_AUTH', 'wrong or missing hub token');
      return;
    }
    c.pid = optIntField(msg, 'pid', 0, 0x7fff_ffff) ?? 0;
    c.hello = true;
    this.#count('hello');
    this.#send(c, { t: 'welcome', v: HUB_PROTOCOL_VERSION, pid: process.pid, client: c.id });
  }

  #count(type: string): void {
    this.#frames.set(type, (this.#frames.get(type) ?? 0) + 1);
  }

  #send(c: Client, msg: OutMessage): void {
    if (!c.done) c.socket.write(encodeJsonFrame(msg));
  }

  #reject(c: Client, code: string, message: string, extra: Record<string, unknown> = {}): void {
    if (c.done) return;
    c.done = true;
    this.#rejected++;
    if (c.frameTimer) clearTimeout(c.frameTimer);
    c.frameTimer = null;
    this.#opts.log?.(`dropped client ${c.id}${c.pid ? ` (pid ${c.pid})` : ''}: ${code}: ${message}`);
    c.socket.end(encodeJsonFrame({ t: 'error', code, message, ...extra }));
    setTimeout(() => c.socket.destroy(), LINGER_MS).unref();
  }
}
