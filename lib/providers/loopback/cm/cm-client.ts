import type { JsonMessage } from '../hub/json-frames.js';
import type { CmWire } from './cm-wire.js';

/** What the client hands a frame about one connection or listener to. */
export interface CmParty {
  /** A frame for this id: `cm-request` (a listener), `cm-accepted`, `cm-rejected`, `cm-established`, `cm-disconnected`. */
  onFrame(msg: JsonMessage): void;
  /** The switchboard is gone (the hub was lost): whatever was pending fails. */
  onLost(reason: string): void;
}

/**
 * One thread's end of a CM switchboard: the ids listening and connecting
 * through it, by listen key and by connection id, and the frames the
 * switchboard delivers, handed to them.
 */
export class CmClient {
  readonly wire: CmWire;
  readonly #listeners = new Map<string, CmParty>();
  readonly #conns = new Map<string, CmParty>();
  #nextId = 1;

  constructor(wire: CmWire) {
    this.wire = wire;
  }

  /** Listen on (`addr`, `port`) for `party`; resolves to the port (chosen by the switchboard for 0). */
  async listen(party: CmParty, addr: string, port: number): Promise<number> {
    const m = await this.wire.request({ t: 'cm-listen', addr, port });
    const got = typeof m['port'] === 'number' ? m['port'] : port;
    this.#listeners.set(`${addr}|${got}`, party);
    this.#hold();
    return got;
  }

  unlisten(addr: string, port: number): void {
    if (this.#listeners.delete(`${addr}|${port}`)) this.wire.send({ t: 'cm-unlisten', addr, port });
    this.#hold();
  }

  /** A fresh connection id for a connector. */
  newConnectionId(): string {
    return `c${this.#nextId++}`;
  }

  /** Frames about connection `id` go to `party` from now on. */
  track(id: string, party: CmParty): void {
    this.#conns.set(id, party);
    this.#hold();
  }

  forget(id: string): void {
    this.#conns.delete(id);
    this.#hold();
  }

  /** A frame from the switchboard. Malformed or unknown ones are dropped. */
  handle(msg: JsonMessage): void {
    if (msg.t === 'cm-request') {
      const l = msg['listen'] as { addr?: unknown; port?: unknown } | undefined;
      this.#listeners.get(`${String(l?.addr)}|${String(l?.port)}`)?.onFrame(msg);
      return;
    }
    const id = msg['id'];
    if (typeof id === 'string') this.#conns.get(id)?.onFrame(msg);
  }

  #hold(): void {
    this.wire.hold(this.#conns.size + this.#listeners.size > 0);
  }

  /** The switchboard went away: every pending connect fails; listeners must listen again. */
  lost(reason: string): void {
    const parties = new Set([...this.#conns.values(), ...this.#listeners.values()]);
    this.#conns.clear();
    this.#listeners.clear();
    this.#hold();
    for (const p of parties) p.onLost(reason);
  }
}
