import type { ConnectionSettings } from '../connection-options.js';
import type { Connection } from '../connection.js';
import type { PeerSource, PendingPeer } from '../peer-source.js';
import { buildParts } from '../build-parts.js';
import { establish } from '../establish.js';
import type { NetAddress } from './address.js';
import { ExchangeListener } from './exchange-listener.js';
import { ExchangeLink } from './exchange-link.js';
import { FrameStream } from './frame-stream.js';

/** Peers that reach a listening socket and set up over the out-of-band exchange. */
export class ExchangePeerSource implements PeerSource {
  readonly #server: ExchangeListener;

  private constructor(server: ExchangeListener) {
    this.#server = server;
  }

  /**
   * Listen on `address`.
   * @throws ExchangeError `ERR_EXCHANGE_LISTEN` when the address cannot be listened on.
   */
  static async open(address: NetAddress, backlog: number): Promise<ExchangePeerSource> {
    return new ExchangePeerSource(await ExchangeListener.open(address, backlog));
  }

  get address(): NetAddress { return this.#server.address; }

  async next(): Promise<PendingPeer> {
    const socket = await this.#server.accept();
    return {
      setUp: async (settings: ConnectionSettings): Promise<Connection> => {
        const link = new ExchangeLink(new FrameStream(socket, settings.maxFrameBytes));
        try {
          const parts = await buildParts(settings);
          return await establish(parts, link, { ...settings, signal: undefined });
        } catch (err) {
          link.abort((err as Error).message);
          throw err;
        }
      },
    };
  }

  close(): void {
    this.#server.close();
  }
}
