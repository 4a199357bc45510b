import type { RdmaError } from '../errors/rdma-error.js';
import type { Hello } from './exchange/hello.js';

/** How a `Link` learnt that the peer is gone. */
export interface LinkGone {
  /** True when the peer said it was done; false when it vanished or broke the protocol. */
  readonly graceful: boolean;
  readonly reason: RdmaError;
}

/**
 * What a `Connection` keeps of how it was established (the out-of-band
 * exchange, or the connection manager): it reports the peer's departure
 * and says goodbye.
 */
export interface Link {
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

/**
 * A link that also sets the connection up: swaps `Hello`s, lets the caller
 * bring its QP up, confirms both sides are ready.
 */
export interface EstablishingLink extends Link {
  /**
   * Swap hellos, run `bringUp(peer)` (connect the QP), and wait until the
   * peer is ready too.
   * @throws ExchangeError for any failure of the exchange; AbortedError when `signal` fires.
   */
  establish(local: Hello, bringUp: (peer: Hello) => Promise<void>, timeoutMs: number, signal?: AbortSignal): Promise<Hello>;
}
