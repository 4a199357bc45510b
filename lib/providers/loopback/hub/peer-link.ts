import type { Link, RequestPacket, ResponsePacket } from '../packets.js';
import type { FrameWriter } from './frame-writer.js';

/** A remote process as the peer transport knows it. */
export interface PeerProcess {
  /** Its peer address. */
  readonly id: string;
  readonly pid: number;
  /** The writer of the connection this side sends on (null once lost). */
  sendWriter: FrameWriter | null;
  /** Its nodes: LID -> GID. */
  readonly nodes: Map<number, string>;
}

/**
 * The way to one node of another process: frames on the connection to that
 * process, addressed by the node's LID. Frames to a process already lost
 * are dropped (its QPs have failed by then).
 */
export class PeerLink implements Link {
  constructor(readonly peer: PeerProcess, readonly lid: number, private readonly check: (pkt: RequestPacket) => boolean) {}

  sendRequest(pkt: RequestPacket): void {
    if (!this.check(pkt)) return;
    this.peer.sendWriter?.request(pkt, this.lid);
  }

  sendResponse(pkt: ResponsePacket): void {
    this.peer.sendWriter?.response(pkt, this.lid);
  }
}
