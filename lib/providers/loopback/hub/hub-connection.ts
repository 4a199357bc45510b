import { createConnection, type Socket } from 'node:net';
import { RdmaError } from '../../../errors/rdma-error.js';
import { connectTarget, type HubAddress } from './address.js';
import { hubUnavailable, messageOf } from './errors.js';
import { HUB_PROTOCOL_VERSION, JsonFrameReader, encodeJsonFrame, type JsonMessage, type OutMessage } from './json-frames.js';

/** Default time a request to the hub may take. */
export const HUB_REQUEST_MS = 3000;

interface Pending {
  readonly resolve: (msg: JsonMessage) => void;
  readonly reject: (err: RdmaError) => void;
  readonly timer: NodeJS.Timeout;
}

/** What a `HubConnection.open` caller says about itself. */
export interface HelloInfo {
  readonly token: string | null;
  /** `client` registers nodes; `probe` only looks. */
  readonly role: 'client' | 'probe';
}

/**
 * One control connection to a hub: hello/welcome, then requests answered by
 * `req` id and fire-and-forget notices. It never carries data. It keeps the
 * process alive only while a request waits for its answer.
 */
export class HubConnection {
  readonly #socket: Socket;
  readonly #reader = new JsonFrameReader();
  readonly #pending = new Map<number, Pending>();
  #nextReq = 1;
  #closed = false;
  #held = false;
  /** Where the hub listens. */
  readonly address: HubAddress;
  /** The hub's process id, from its welcome. */
  readonly hubPid: number;
  /** The hub's protocol version, from its welcome. */
  readonly hubVersion: number;
  /** Called once when the connection is lost (not after `close()`). */
  onLost: (reason: string) => void = () => {};
  /** Called with each frame the hub sends on its own (not an answer): the CM's. */
  onNotice: (msg: JsonMessage) => void = () => {};

  private constructor(socket: Socket, address: HubAddress, hubPid: number, hubVersion: number) {
    this.#socket = socket;
    this.address = address;
    this.hubPid = hubPid;
    this.hubVersion = hubVersion;
  }

  /** The local IP address of a TCP connection (to listen for peers on the same interface); undefined on Unix sockets. */
  get localAddress(): string | undefined {
    return this.#socket.localAddress;
  }

  /**
   * Connect and exchange hello/welcome.
   * @throws Error with the socket's `code` (`ENOENT`, `ECONNREFUSED`, ...) when nothing listens.
   * @throws RdmaError `ERR_HUB_AUTH` (bad token), `ERR_HUB_VERSION`, `ERR_HUB_PROTOCOL` when the hub refuses the hello.
   * @throws RdmaError `ERR_HUB_VERSION` when the hub welcomes us with another protocol version.
   * @throws RdmaError `ERR_HUB_CLOSED` when the connection closes before the welcome (a hub that is exiting).
   * @throws RdmaError `ERR_HUB_UNAVAILABLE` when it does not answer within `timeoutMs`.
   */
  static open(addr: HubAddress, hello: HelloInfo, timeoutMs: number): Promise<HubConnection> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(connectTarget(addr));
      const reader = new JsonFrameReader();
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(hubUnavailable(`the hub at ${addr.text} did not answer within ${timeoutMs} ms`)), timeoutMs);
      socket.once('error', fail);
      socket.once('close', () => fail(new RdmaError('ERR_HUB_CLOSED', `the hub at ${addr.text} closed the connection during hello (it may be exiting)`)));
      socket.once('connect', () => {
        if (addr.kind === 'tcp') socket.setNoDelay(true);
        socket.write(encodeJsonFrame({ t: 'hello', v: HUB_PROTOCOL_VERSION, pid: process.pid, role: hello.role, ...(hello.token ? { token: hello.token } : {}) }));
      });
      const onData = (chunk: Buffer): void => {
        let msgs: JsonMessage[];
        try {
          msgs = reader.push(chunk);
        } catch (err) {
          fail(hubUnavailable(`the hub at ${addr.text} sent a bad frame: ${messageOf(err)}`));
          return;
        }
        const first = msgs[0];
        if (!first || settled) return;
        if (first.t === 'error') {
          const code = typeof first['code'] === 'string' ? first['code'] : 'ERR_HUB_PROTOCOL';
          fail(new RdmaError(code, `the hub at ${addr.text} refused the connection: ${String(first['message'])}`));
          return;
        }
        if (first.t === 'welcome' && first['v'] !== HUB_PROTOCOL_VERSION) {
          fail(new RdmaError('ERR_HUB_VERSION', `the hub at ${addr.text} speaks protocol version ${String(first['v']).slice(0, 16)}, this library ${HUB_PROTOCOL_VERSION}`));
          return;
        }
        if (first.t !== 'welcome' || typeof first['pid'] !== 'number') {
          fail(hubUnavailable(`the hub at ${addr.text} answered hello with "${first.t}"`));
          return;
        }
        settled = true;
        clearTimeout(timer);
        socket.removeAllListeners();
        const conn = new HubConnection(socket, addr, first['pid'], HUB_PROTOCOL_VERSION);
        socket.unref();
        conn.#attach(msgs.slice(1));
        resolve(conn);
      };
      socket.on('data', onData);
    });
  }

  /**
   * Send a request (`req` is added) and wait for the frame answering it.
   * @throws RdmaError with the hub's code when it answers with an error frame.
   * @throws RdmaError `ERR_HUB_UNAVAILABLE` when the connection is lost or the answer is late.
   */
  request(msg: OutMessage, timeoutMs = HUB_REQUEST_MS): Promise<JsonMessage> {
    if (this.#closed) return Promise.reject(hubUnavailable('the hub connection is closed'));
    const req = this.#nextReq++;
    if (this.#nextReq > 0x7fff_ffff) this.#nextReq = 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(req);
        if (this.#pending.size === 0 && !this.#held) this.#socket.unref();
        reject(hubUnavailable(`no answer to "${msg.t}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(req, { resolve, reject, timer });
      if (this.#pending.size === 1) this.#socket.ref();
      this.#socket.write(encodeJsonFrame({ ...msg, req }));
    });
  }

  /** Keep the process alive (true) while something waits for the hub's notices, as a listening socket does. */
  hold(on: boolean): void {
    if (this.#held === on || this.#closed) return;
    this.#held = on;
    if (on) this.#socket.ref();
    else if (this.#pending.size === 0) this.#socket.unref();
  }

  /** Send a notice that gets no answer; dropped when closed. */
  send(msg: OutMessage): void {
    if (!this.#closed) this.#socket.write(encodeJsonFrame(msg));
  }

  /** Close without calling `onLost`; pending requests reject. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.end();
    this.#socket.destroySoon();
    this.#failPending('the hub connection was closed');
  }

  #attach(early: JsonMessage[]): void {
    const s = this.#socket;
    s.on('data', (chunk: Buffer) => {
      let msgs: JsonMessage[];
      try {
        msgs = this.#reader.push(chunk);
      } catch (err) {
        this.#lost(`the hub sent a bad frame: ${messageOf(err)}`);
        return;
      }
      for (const m of msgs) this.#dispatch(m);
    });
    let why = 'the hub closed the connection';
    s.on('error', (err) => { why = messageOf(err); });
    s.on('close', () => this.#lost(why));
    for (const m of early) this.#dispatch(m);
  }

  #dispatch(m: JsonMessage): void {
    const req = m['req'];
    if (typeof req !== 'number') {
      if (m.t === 'error') this.#lost(`the hub ended the session: ${String(m['message'])}`);
      else this.onNotice(m);
      return;
    }
    const p = this.#pending.get(req);
    if (!p) return;
    this.#pending.delete(req);
    clearTimeout(p.timer);
    if (this.#pending.size === 0 && !this.#held) this.#socket.unref();
    if (m.t === 'error') p.reject(new RdmaError(typeof m['code'] === 'string' ? m['code'] : 'ERR_HUB_PROTOCOL', `hub: ${String(m['message'])}`));
    else p.resolve(m);
  }

  #lost(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    this.#failPending(reason);
    this.onLost(reason);
  }

  #failPending(reason: string): void {
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(hubUnavailable(reason));
    }
    this.#pending.clear();
  }
}
