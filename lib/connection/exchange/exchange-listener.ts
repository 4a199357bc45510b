import { createServer, type Server, type Socket } from 'node:net';
import { ExchangeError, ExchangeErrorCode } from '../../errors/exchange-error.js';
import { WaiterQueue } from '../waiter-queue.js';
import { ClosedError } from '../../errors/closed-error.js';
import { addressText, type NetAddress } from './address.js';

/**
 * A listening socket for the out-of-band exchange: `accept()` hands out
 * incoming streams in arrival order. At most `backlog` wait unaccepted;
 * more are refused (closed at once).
 */
export class ExchangeListener {
  readonly #server: Server;
  readonly #waiting: Socket[] = [];
  readonly #acceptors = new WaiterQueue<Socket>();
  readonly #backlog: number;
  #closed = false;

  private constructor(server: Server, backlog: number) {
    this.#server = server;
    this.#backlog = backlog;
    server.on('connection', (socket) => {
      if (this.#acceptors.give(socket)) return;
      if (this.#waiting.length < this.#backlog) {
        this.#waiting.push(socket);
        socket.on('error', () => {});
      } else socket.destroy();
    });
  }

  /**
   * Listen on `address`.
   * @throws ExchangeError `ERR_EXCHANGE_LISTEN` when the address cannot be listened on (the socket error is the cause).
   */
  static open(address: NetAddress, backlog: number): Promise<ExchangeListener> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', (err) => reject(new ExchangeError(ExchangeErrorCode.LISTEN, `cannot listen on ${addressText(address)}: ${err.message}`, { cause: err })));
      server.listen({ ...address, backlog }, () => resolve(new ExchangeListener(server, backlog)));
    });
  }

  /** Where it listens: the TCP port the system chose when 0 was asked, or the path. */
  get address(): NetAddress {
    const a = this.#server.address();
    if (typeof a === 'string') return { path: a };
    if (a === null) throw new ClosedError('ExchangeListener');
    return { host: a.address, port: a.port };
  }

  /**
   * The next incoming stream.
   * @throws ClosedError when the listener is or becomes closed. @throws AbortedError when `signal` fires.
   */
  accept(signal?: AbortSignal): Promise<Socket> {
    if (this.#closed) return Promise.reject(new ClosedError('ExchangeListener'));
    const ready = this.#waiting.shift();
    return ready ? Promise.resolve(ready) : this.#acceptors.wait('accept()', signal);
  }

  /** Stop listening; waiting streams are closed and pending `accept()` calls reject with `ClosedError`. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const s of this.#waiting.splice(0)) s.destroy();
    this.#acceptors.failAll(new ClosedError('ExchangeListener'));
  }
}
