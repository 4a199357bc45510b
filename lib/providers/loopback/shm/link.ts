import type { Link, RequestPacket, ResponsePacket } from '../packets.js';
import type { Peer } from './peer.js';

/**
 * The way to a node of another thread: packets go into the ring to that
 * thread. Once the thread is gone its ring is closed and packets are dropped
 * (the QPs that used the link have failed by then).
 */
export class ShmLink implements Link {
  readonly #peer: Peer;
  readonly #gid: string;

  constructor(peer: Peer, gid: string) {
    this.#peer = peer;
    this.#gid = gid;
  }

  sendRequest(pkt: RequestPacket): void {
    this.#peer.out?.sendRequest(this.#gid, pkt);
  }

  sendResponse(pkt: ResponsePacket): void {
    this.#peer.out?.sendResponse(this.#gid, pkt);
  }
}
