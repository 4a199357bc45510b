import type { EstablishingLink } from './link.js';
import type { Hello } from './exchange/hello.js';
import type { ConnectionSettings } from './connection-options.js';
import { Connection, type ConnectionParts } from './connection.js';

/**
 * Run the establishment over `link` with resources already built: post the
 * receives, swap hellos, connect the QP, wait for both sides to be ready.
 * On failure the parts are released and the link aborted.
 * @throws ExchangeError, AbortedError, or the error connecting the QP.
 */
export async function establish(parts: ConnectionParts, link: EstablishingLink, s: ConnectionSettings): Promise<Connection> {
  try {
    Connection.postReceives(parts);
    const local: Hello = {
      endpoint: parts.qp.endpoint(),
      regions: parts.regions.map((r) => r.toRemote()),
      recvBytes: parts.messageSize,
      payload: s.payload,
    };
    const peer = await link.establish(local, (p) => parts.qp.connect(p.endpoint), s.timeoutMs, s.signal);
    return new Connection(parts, link, peer);
  } catch (err) {
    link.abort((err as Error).message);
    parts.release();
    throw err;
  }
}
