import type { Payload } from './payload.js';

/** A request from a requester QP to a responder QP. */
export interface RequestPacket {
  /** GID of the sending node. */
  readonly srcGid: string;
  readonly srcLid: number;
  readonly srcQpn: number;
  readonly dstQpn: number;
  /** Packet sequence number (not wrapped at 24 bits inside the loopback fabric). */
  readonly psn: number;
  /** `WrOpcode` value. */
  readonly opcode: number;
  readonly payload: Payload;
  readonly imm: number;
  readonly remoteAddr: bigint;
  readonly rkey: number;
  /** Bytes to read (RDMA_READ). */
  readonly readLength: number;
  readonly compareAdd: bigint;
  readonly swap: bigint;
  /** UD: the Q_Key. */
  readonly qkey: number;
  /** `QpType` of the sender. */
  readonly qpType: number;
  readonly solicited: boolean;
}

/** Response syndromes. */
export const Syndrome = {
  ACK: 0,
  /** Receiver not ready: no receive posted. */
  RNR: 1,
  /** Bad rkey, range or permission. */
  REM_ACCESS: 2,
  /** Invalid request: receive buffer too small, or an opcode the responder refuses. */
  REM_INV_REQ: 3,
  /** The responder failed executing a valid request. */
  REM_OP: 4,
  /** No responder: the QP is gone, in error, or the node is unreachable. */
  NO_RESPONDER: 5,
} as const;

/** A response (ACK or NAK) from a responder QP. */
export interface ResponsePacket {
  readonly dstQpn: number;
  readonly psn: number;
  /** `Syndrome` value. */
  readonly syndrome: number;
  /** RNR NAK: how long to wait, in milliseconds. */
  readonly rnrDelayMs: number;
  /** RDMA_READ: the data read. */
  readonly data: Payload | null;
  /** Atomics: the original value. */
  readonly atomicOrig: bigint;
}

/**
 * The way from one node to another. A link to a node in this thread delivers
 * synchronously; other links deliver on the event loop or at the next poll.
 */
export interface Link {
  sendRequest(pkt: RequestPacket): void;
  sendResponse(pkt: ResponsePacket): void;
}
