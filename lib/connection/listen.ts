import { ClosedError } from '../errors/closed-error.js';
import { checkInt } from '../validate/numbers.js';
import { toConnectionSettings, type ConnectionOptions, type ConnectionSettings } from './connection-options.js';
import { checkAddress, type ExchangeAddress, type NetAddress } from './exchange/address.js';
import { ExchangePeerSource } from './exchange/exchange-peer-source.js';
import { CmPeerSource } from './cm/cm-peer-source.js';
import { checkCmTarget, checkVia, type ConnectionVia } from './via.js';
import type { PeerSource, PendingPeer } from './peer-source.js';
import { WaiterQueue } from './waiter-queue.js';
import type { Connection } from './connection.js';

/** Options for `listen()`: where to listen, how many peers may wait, and the `ConnectionOptions` every accepted connection gets. */
export interface ListenOptions extends ConnectionOptions {
  /** Address to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /** TCP port (0: the system picks one, see `listener.address`). */
  readonly port?: number;
  /** Unix socket path, instead of a port. */
  readonly path?: string;
  /** Connections being set up or waiting for `accept()`, 1..4096; more wait in the socket backlog. Default 64. */
  readonly backlog?: number;
  /** How peers are set up: `'exchange'` (the default: the out-of-band exchange over TCP or a Unix socket) or `'cm'` (rdma_cm, on an IP address of the device). */
  readonly via?: ConnectionVia;
}

type Outcome = { readonly conn: Connection } | { readonly error: Error };

const LISTEN_OPTIONS = { host: 'string', port: 'integer', path: 'string', backlog: 'integer', via: 'string' } as const;

/**
 * Listen for peers that `connect()`: each incoming peer is set up at once
 * (in parallel, at most `backlog` at a time) and handed out by `accept()`
 * in the order its setup finished. With `via: 'cm'` a CM id listens on
 * `host` (an IP address of the device; `0.0.0.0` for all) and `port`, and
 * each CONNECT_REQUEST is accepted with this side's hello.
 * @throws InvalidArgumentError for a bad address or option (with `via: 'cm'`: a path, a host name, `qp`).
 * @throws ExchangeError `ERR_EXCHANGE_LISTEN` when the address cannot be listened on.
 * @throws with `via: 'cm'`: VerbsError `rdma_bind_addr` / `rdma_listen` (`EADDRINUSE`, `EADDRNOTAVAIL`), RdmaError `ERR_WRONG_DEVICE`, UnsupportedError (no CM), and the errors of opening the device.
 */
export async function listen(options: ListenOptions): Promise<ConnectionListener> {
  const s = toConnectionSettings('listen()', options, LISTEN_OPTIONS);
  const via = checkVia(options.via);
  const address = checkAddress('options', options as ExchangeAddress, true);
  const backlog = checkInt('options.backlog', options.backlog ?? 64, 1, 4096);
  if (via === 'cm') return new ConnectionListener(await CmPeerSource.open(checkCmTarget(address, s), backlog, s), s, backlog);
  return new ConnectionListener(await ExchangePeerSource.open(address, backlog), s, backlog);
}

/**
 * Peers connecting to a `listen()` address. `accept()` (or `for await`)
 * yields each as a `Connection`, or rejects with the error of a peer whose
 * setup failed (the listener goes on). `close()` stops listening.
 */
export class ConnectionListener implements AsyncIterable<Connection>, Disposable {
  readonly #server: PeerSource;
  readonly #settings: ConnectionSettings;
  readonly #backlog: number;
  readonly #outcomes: Outcome[] = [];
  readonly #takers = new WaiterQueue<Connection>();
  #busy = 0;
  #room: (() => void) | null = null;
  #closed = false;

  /** @internal Use `listen()`. */
  constructor(server: PeerSource, settings: ConnectionSettings, backlog: number) {
    this.#server = server;
    this.#settings = settings;
    this.#backlog = backlog;
    settings.signal?.addEventListener('abort', () => this.close(), { once: true });
    void this.#loop();
  }

  /** Where it listens (the port the system chose for port 0). @throws ClosedError when closed. */
  get address(): NetAddress { return this.#server.address; }

  /** True after `close()`. */
  get closed(): boolean { return this.#closed; }

  /**
   * The next connected peer.
   * @throws the setup error of a peer that failed (`ExchangeError`, ...): call `accept()` again for the next.
   * @throws ClosedError when the listener is or becomes closed; AbortedError when `signal` fires.
   */
  accept(options: { readonly signal?: AbortSignal } = {}): Promise<Connection> {
    const ready = this.#outcomes.shift();
    if (ready) {
      this.#freeRoom();
      return 'conn' in ready ? Promise.resolve(ready.conn) : Promise.reject(ready.error);
    }
    if (this.#closed) return Promise.reject(new ClosedError('ConnectionListener'));
    return this.#takers.wait('accept()', options.signal);
  }

  /** Connections as peers arrive; ends when the listener closes. A peer whose setup failed is skipped. */
  async *[Symbol.asyncIterator](): AsyncIterator<Connection> {
    for (;;) {
      try {
        yield await this.accept();
      } catch (err) {
        if (err instanceof ClosedError) return;
      }
    }
  }

  /**
   * Stop listening. Connections not yet accepted are closed; pending
   * `accept()` calls reject with `ClosedError`. Accepted connections live
   * on. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    this.#room?.();
    for (const o of this.#outcomes.splice(0)) if ('conn' in o) void o.conn.close();
    this.#takers.failAll(new ClosedError('ConnectionListener'));
  }

  [Symbol.dispose](): void { this.close(); }

  async #loop(): Promise<void> {
    while (!this.#closed) {
      if (this.#busy + this.#outcomes.length >= this.#backlog) {
        await new Promise<void>((resolve) => { this.#room = resolve; });
        this.#room = null;
        continue;
      }
      let peer: PendingPeer;
      try {
        peer = await this.#server.next();
      } catch {
        return;
      }
      this.#busy++;
      void this.#setUp(peer).then((outcome) => {
        this.#busy--;
        this.#deliver(outcome);
      });
    }
  }

  async #setUp(peer: PendingPeer): Promise<Outcome> {
    try {
      return { conn: await peer.setUp(this.#settings) };
    } catch (err) {
      return { error: err as Error };
    }
  }

  #deliver(outcome: Outcome): void {
    if (this.#closed) {
      if ('conn' in outcome) void outcome.conn.close();
      return;
    }
    const taken = 'conn' in outcome ? this.#takers.give(outcome.conn) : this.#takers.failOne(outcome.error);
    if (taken) this.#freeRoom();
    else this.#outcomes.push(outcome);
  }

  #freeRoom(): void {
    this.#room?.();
  }
}
