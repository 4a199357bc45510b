import type { NetAddress } from './exchange/address.js';
import type { ConnectionSettings } from './connection-options.js';
import type { Connection } from './connection.js';

/** A peer that arrived at a listener and is not set up yet. */
export interface PendingPeer {
  /**
   * Set its connection up with `settings`.
   * @throws the error that stopped the setup (`ExchangeError`, `TimeoutError`, ...); what was opened for it is closed again.
   */
  setUp(settings: ConnectionSettings): Promise<Connection>;
}

/** Where a `ConnectionListener`'s peers come from: a listening socket, or a listening CM id. */
export interface PeerSource {
  /** Where it listens. */
  readonly address: NetAddress;
  /**
   * The next peer, in arrival order.
   * @throws ClosedError (or any error) once the source is closed: no more peers come.
   */
  next(): Promise<PendingPeer>;
  /** Stop listening; idempotent. Connections already set up live on. */
  close(): void;
}
