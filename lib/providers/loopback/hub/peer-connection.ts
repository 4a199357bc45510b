import { createConnection, type Socket } from 'node:net';
import { RdmaError } from '../../../errors/rdma-error.js';
import { connectTarget, type HubAddress } from './address.js';
import { HubProtocolError, codeOf, messageOf } from './errors.js';
import { FrameReader } from './frame-reader.js';
import { FrameWriter } from './frame-writer.js';
import { FrameType, PEER_PROTOCOL_VERSION } from './peer-wire.js';
import type { JsonMessage } from './json-frames.js';
import { tokenMatches } from './token.js';

/** How long a peer handshake may take. */
export const PEER_HANDSHAKE_MS = 3000;
/** The largest hello or welcome accepted (they list the nodes of a process). */
const HANDSHAKE_MAX = 256 * 1024;

/** What each side says about itself in `hello` / `welcome`. */
export interface PeerHello {
  /** The address the process listens on for peers (its identity). */
  readonly id: string;
  readonly pid: number;
  /** Its hub nodes: `[lid, gid]` pairs. */
  readonly nodes: ReadonlyArray<readonly [number, string]>;
  /** Present when it can map shared memory and accepts mapped requests: which /dev/shm it sees (`shmHostKey`). */
  readonly shm?: string;
}

/** What a connection reports to its owner (the transport). */
export interface PeerEvents {
  /** A connection was created (before its handshake). */
  opened(conn: PeerConnection): void;
  /** A request or response frame (after the handshake). */
  data(conn: PeerConnection, type: number, head: Buffer, body: Buffer): void;
  /** A control frame after the handshake (`up`, `down`). */
  control(conn: PeerConnection, msg: JsonMessage): void;
  /** The connection is gone; called once, also when the handshake failed. */
  closed(conn: PeerConnection, reason: string): void;
}

/**
 * One connection between two processes' peer transports. It carries every
 * request and response between any of their nodes; `hello`/`welcome` first
 * (with the token on TCP), then frames in order.
 */
export class PeerConnection {
  readonly #socket: Socket;
  readonly #events: PeerEvents;
  readonly writer: FrameWriter;
  readonly #reader: FrameReader;
  /** The other side, once the handshake is done. */
  remote: PeerHello | null = null;
  /** True once this side sent its hello or welcome (control frames may follow). */
  greeted = false;
  #closed = false;
  #reason = 'the peer closed the connection';
  #onHandshake: ((msg: JsonMessage) => void) | null = null;
  #handshaking = true;
  #ref = false;

  private constructor(socket: Socket, events: PeerEvents) {
    this.#socket = socket;
    this.#events = events;
    this.writer = new FrameWriter(socket);
    this.#reader = new FrameReader((type, head, body) => this.#frame(type, head, body), (type, len) => {
      if (this.#handshaking && (type !== FrameType.CONTROL || len > HANDSHAKE_MAX)) throw new HubProtocolError('only a small hello or welcome may come first');
    });
    events.opened(this);
    socket.on('data', (chunk: Buffer) => {
      if (this.#closed) return;
      try {
        this.#reader.push(chunk);
      } catch (err) {
        this.destroy(err instanceof HubProtocolError ? `protocol error: ${err.message}` : `internal error: ${messageOf(err)}`);
      }
    });
    socket.on('error', (err) => {
      this.#reason = codeOf(err) === 'ECONNRESET' ? 'the connection was reset (the peer process died?)' : messageOf(err);
    });
    socket.on('close', () => this.#finish());
  }

  get closed(): boolean { return this.#closed; }

  /**
   * Whether this connection keeps the process alive once its handshake is
   * done (during the handshake it always does).
   */
  setRef(ref: boolean): void {
    this.#ref = ref;
    if (this.#handshaking || this.#closed) return;
    if (ref) this.#socket.ref();
    else this.#socket.unref();
  }

  /**
   * Dial a peer and exchange hello/welcome.
   * @throws RdmaError `ERR_UNREACHABLE` when it cannot be reached, refuses us, or does not answer in time.
   */
  static dial(addr: HubAddress, me: () => PeerHello, token: string | null, events: PeerEvents): Promise<PeerConnection> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(connectTarget(addr));
      let settled = false;
      const wrapped: PeerEvents = {
        opened: (c) => events.opened(c),
        data: (c, t, h, b) => events.data(c, t, h, b),
        control: (c, m) => events.control(c, m),
        closed: (c, reason) => {
          if (!settled) {
            settled = true;
            clearTimeout(timer);
            reject(new RdmaError('ERR_UNREACHABLE', `cannot reach the loopback peer at ${addr.text}: ${reason}`));
          }
          events.closed(c, reason);
        },
      };
      const conn = new PeerConnection(socket, wrapped);
      const timer = setTimeout(() => conn.destroy(`no welcome within ${PEER_HANDSHAKE_MS} ms`), PEER_HANDSHAKE_MS);
      conn.#onHandshake = (msg) => {
        if (msg.t === 'error') {
          conn.destroy(`refused: ${String(msg['message'])}`);
          return;
        }
        if (msg.t !== 'welcome') throw new HubProtocolError(`expected "welcome", got "${msg.t}"`);
        conn.remote = parseHello(msg);
        conn.#onHandshake = null;
        conn.#handshaking = false;
        conn.setRef(conn.#ref);
        settled = true;
        clearTimeout(timer);
        resolve(conn);
      };
      socket.once('connect', () => {
        if (addr.kind === 'tcp') socket.setNoDelay(true);
        conn.greeted = true;
        conn.writer.control({ t: 'hello', v: PEER_PROTOCOL_VERSION, ...me(), ...(token ? { token } : {}) });
        conn.writer.flush();
      });
    });
  }

  /**
   * Serve an accepted socket: wait for a hello (with the right token when
   * `token` is set), answer welcome, then report the connection to `ready`.
   */
  static accept(socket: Socket, me: () => PeerHello, token: string | null, events: PeerEvents, ready: (conn: PeerConnection) => void): void {
    if (token !== null) socket.setNoDelay(true);
    const conn = new PeerConnection(socket, events);
    const timer = setTimeout(() => conn.destroy(`no hello within ${PEER_HANDSHAKE_MS} ms`), PEER_HANDSHAKE_MS);
    timer.unref();
    conn.#onHandshake = (msg) => {
      clearTimeout(timer);
      if (msg.t !== 'hello') throw new HubProtocolError(`expected "hello", got "${msg.t}"`);
      if (msg['v'] !== PEER_PROTOCOL_VERSION) {
        conn.#refuse(`peer protocol version ${String(msg['v'])} is not ${PEER_PROTOCOL_VERSION}`);
        return;
      }
      if (token !== null && !tokenMatches(token, msg['token'])) {
        conn.#refuse('wrong or missing token');
        return;
      }
      conn.remote = parseHello(msg);
      conn.#onHandshake = null;
      conn.#handshaking = false;
      conn.setRef(conn.#ref);
      conn.greeted = true;
      conn.writer.control({ t: 'welcome', v: PEER_PROTOCOL_VERSION, ...me() });
      ready(conn);
    };
  }

  /** Flush what is queued and close gracefully. */
  end(): void {
    if (this.#closed) return;
    this.writer.flush();
    this.#socket.end();
  }

  /** Close at once, reporting `reason`. */
  destroy(reason: string): void {
    if (this.#closed) return;
    this.#reason = reason;
    this.#socket.destroy();
    this.#finish();
  }

  #refuse(message: string): void {
    this.writer.control({ t: 'error', code: 'ERR_PEER_REFUSED', message });
    this.end();
    this.#closed = true;
    this.#events.closed(this, `refused a peer: ${message}`);
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#events.closed(this, this.#reason);
  }

  #frame(type: number, head: Buffer, body: Buffer): void {
    if (this.#closed) return;
    if (type !== FrameType.CONTROL) {
      if (this.#handshaking) throw new HubProtocolError('data before the handshake');
      this.#events.data(this, type, head, body);
      return;
    }
    const msg = parseControl(body);
    if (this.#onHandshake) this.#onHandshake(msg);
    else this.#events.control(this, msg);
  }
}

function parseControl(body: Buffer): JsonMessage {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HubProtocolError('control frame is not JSON');
  }
  if (typeof v !== 'object' || v === null || typeof (v as { t?: unknown }).t !== 'string') throw new HubProtocolError('control frame has no type');
  return v as JsonMessage;
}

function parseHello(msg: JsonMessage): PeerHello {
  const id = msg['id'];
  const pid = msg['pid'];
  const nodes = msg['nodes'];
  if (typeof id !== 'string' || typeof pid !== 'number' || !Array.isArray(nodes)) throw new HubProtocolError(`bad "${msg.t}" frame`);
  const out: Array<readonly [number, string]> = [];
  for (const n of nodes as unknown[]) {
    if (!Array.isArray(n) || typeof n[0] !== 'number' || typeof n[1] !== 'string') throw new HubProtocolError(`bad node in "${msg.t}"`);
    out.push([n[0], n[1]]);
  }
  const shm = msg['shm'];
  return typeof shm === 'string' ? { id, pid, nodes: out, shm } : { id, pid, nodes: out };
}
