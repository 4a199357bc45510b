import type { Context } from '../../context.js';
import type { CmEvent } from '../../cm/cm-event.js';
import type { CmId } from '../../cm/cm-id.js';
import { openDevice } from '../../devices.js';
import { CmEventType, CmPrivateDataLimit } from '../../constants/cm-event.js';
import { ClosedError } from '../../errors/closed-error.js';
import type { ConnectionSettings } from '../connection-options.js';
import type { Connection } from '../connection.js';
import type { PeerSource, PendingPeer } from '../peer-source.js';
import { buildParts } from '../build-parts.js';
import { establishOverCm } from './cm-establish.js';
import { decodeCmHelloHead } from './cm-hello.js';

/**
 * Peers that connect to a listening CM id. Every connection is made on the
 * listener's device: one the source opened itself stays open until the
 * listener and all its connections are closed.
 */
export class CmPeerSource implements PeerSource {
  readonly #id: CmId;
  readonly #host: string;
  readonly #closeContext: () => void;
  /** The listener itself, and each connection set up or being set up. */
  #holds = 1;
  #closed = false;

  private constructor(id: CmId, host: string, closeContext: () => void) {
    this.#id = id;
    this.#host = host;
    this.#closeContext = closeContext;
  }

  /**
   * Bind a CM id to `address` and listen.
   * @throws VerbsError `rdma_bind_addr` / `rdma_listen`; RdmaError `ERR_WRONG_DEVICE`; UnsupportedError; errors opening the device.
   */
  static async open(address: { readonly host: string; readonly port: number }, backlog: number, s: ConnectionSettings): Promise<CmPeerSource> {
    const context: Context = s.context ?? await openDevice(s.device, s.openOptions);
    const closeContext = (): void => { if (s.context === null) context.close(); };
    let id: CmId | null = null;
    try {
      id = context.createCmId();
      id.bind({ address: address.host, port: address.port });
      await id.listen(Math.min(backlog, 1024));
    } catch (err) {
      id?.close();
      closeContext();
      throw err;
    }
    return new CmPeerSource(id, address.host, closeContext);
  }

  get address(): { readonly host: string; readonly port: number } {
    if (this.#closed) throw new ClosedError('ConnectionListener');
    return { host: this.#host, port: this.#id.localAddress?.port ?? 0 };
  }

  async next(): Promise<PendingPeer> {
    for (;;) {
      const ev = await this.#id.nextEvent();
      if (ev.type === CmEventType.CONNECT_REQUEST && ev.id !== null) return { setUp: (s) => this.#setUp(ev, ev.id!, s) };
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#id.close();
    this.#release();
  }

  /** Accept `request` with a connection built on the listener's device; a request that is not a Connection's is rejected, saying why. */
  async #setUp(ev: CmEvent, request: CmId, s: ConnectionSettings): Promise<Connection> {
    try {
      decodeCmHelloHead(ev.privateData);
    } catch (err) {
      rejectSaying(request, (err as Error).message);
      throw err;
    }
    this.#holds++;
    let built;
    try {
      built = await buildParts({ ...s, context: request.context }, request);
    } catch (err) {
      this.#release();
      throw err;
    }
    const parts = { ...built, release: () => { built.release(); this.#release(); } };
    return establishOverCm(parts, request, {
      verb: 'rdma_accept',
      limit: CmPrivateDataLimit.ACCEPT,
      run: async (privateData) => { await request.accept({ privateData }); return null; },
      peerRequest: ev.privateData,
    }, s.timeoutMs, undefined, s.payload);
  }

  #release(): void {
    if (--this.#holds === 0) this.#closeContext();
  }
}

/** Reject a connect request with `reason` (as much as fits) as private data, and close its id. */
function rejectSaying(request: CmId, reason: string): void {
  try {
    request.reject(Buffer.from(reason, 'utf8').subarray(0, CmPrivateDataLimit.REJECT));
  } catch {
    // the connector gave up meanwhile
  }
  request.close();
}
