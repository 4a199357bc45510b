import type { LoopNode } from './node.js';

/** The peer a connected (RC, UC) loopback QP talks to. */
export interface RemotePath {
  readonly gid: string;
  readonly qpn: number;
  readonly lid: number;
}

/**
 * What the two halves of a loopback QP (requester and responder) share and
 * read from the QP that owns them: its identity, the connected peer, and
 * the QP state. Neither half sees the other.
 */
export interface QpCore {
  readonly qpn: number;
  /** `QpType` value. */
  readonly type: number;
  readonly pdId: number;
  readonly node: LoopNode;
  /** The connected peer; null before connecting and on UD. */
  readonly remote: RemotePath | null;
  /** `QpState` value. */
  state(): number;
  /** The P_Key at the QP's P_Key index: stamped on requests, checked on arrivals. */
  pkey(): number;
  /** A fatal error on this QP: move to ERR, flushing both queues. */
  enterError(): void;
}
