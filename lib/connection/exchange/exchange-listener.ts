import { createServer, type Server, type Socket } from 'node:net';
import { ExchangeError, ExchangeErrorCode } from '../../errors/exchange-error.js';
import { AbortedError } from '../../errors/aborted-error.js';
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
  readonly #acceptors: Array<{ resolve(s: Socket): void; reject(e: Error): void }> = [];
  readonly #backlog: number;
  #closed = false;

  private constructor(server: Server, backlog: number) {
    this.#server = server;
    this.#backlog = backlog;
    server.on('connection', (socket) => {
      const next = this.#acceptors.shift();
      if (next) next.resolve(socket);
      else if (this.#waiting.length < this.#backlog) {
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
    if (signal?.aborted) return Promise.reject(new AbortedError('accept()', signal.reason));
    const ready = this.#waiting.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise<Socket>((resolve, reject) => {
      const entry = {
        resolve: (s: Socket): void => { signal?.removeEventListener('abort', onAbort); resolve(s); },
        reject: (e: Error): void => { signal?.removeEventListener('abort', onAbort); reject(e); },
      };
      const onAbort = (): void => {
        const i = this.#acceptors.indexOf(entry);
        if (i >= 0) this.#acceptors.splice(i, 1);
        reject(new AbortedError('accept()', signal?.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#acceptors.push(entry);
    });
  }

  /** Stop listening; waiting streams are closed and pending `accept()` calls reject with `ClosedError`. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const s of this.#waiting.splice(0)) s.destroy();
    for (const a of this.#acceptors.splice(0)) a.reject(new ClosedError('ExchangeListener'));
  }
}
