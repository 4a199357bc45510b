import type { RdmaError } from '../errors/rdma-error.js';
import type { Hello } from './exchange/hello.js';

/** How a `Link` learnt that the peer is gone. */
export interface LinkGone {
  /** True when the peer said it was done; false when it vanished or broke the protocol. */
  readonly graceful: boolean;
  readonly reason: RdmaError;
}

/**
 * The seam a `Connection` is established through: the out-of-band exchange
 * today, a connection manager tomorrow. A link swaps `Hello`s, lets the
 * caller bring its QP up, confirms both sides are ready, then reports the
 * peer's departure and says goodbye.
 */
export interface Link {
  /**
   * Swap hellos, run `bringUp(peer)` (connect the QP), and wait until the
   * peer is ready too.
   * @throws ExchangeError for any failure of the exchange; AbortedError when `signal` fires.
   */
  establish(local: Hello, bringUp: (peer: Hello) => Promise<void>, timeoutMs: number, signal?: AbortSignal): Promise<Hello>;
  /**
   * Call `onGone` once, when the peer says it is done (answer with
   * `finish()` once your own operations have completed) or goes away.
   */
  watch(onGone: (gone: LinkGone) => void): void;
  /** Say "done" and wait (at most `timeoutMs`) for the peer's "done" or departure, then close; after the peer's "done", only answer it. */
  finish(timeoutMs: number): Promise<void>;
  /** Give up, telling the peer why when possible. */
  abort(reason: string): void;
}
