import { WR_OPCODE_TRAITS } from '../../constants/wr-opcode-traits.js';
import type { Payload } from './payload.js';
import type { SgeSpec } from '../../provider/spi.js';
import type { QpGuard } from './mapping/qp-guard.js';

/** A request from a requester QP to a responder QP. */
export interface RequestPacket {
  /** GID of the sending node. */
  readonly srcGid: string;
  readonly srcLid: number;
  readonly srcQpn: number;
  readonly dstQpn: number;
  /** Packet sequence number (not wrapped at 24 bits inside the loopback fabric). */
  readonly psn: number;
  /** `WrOpcode` value; its traits say which of the fields below it uses. */
  readonly opcode: number;
  /** What it sends (`OpTrait.PAYLOAD_OUT`). */
  readonly payload: Payload;
  /** Immediate data (`OpTrait.IMM`). */
  readonly imm: number;
  /** `OpTrait.REMOTE`: the remote address (0 otherwise: wires carry it only then). */
  readonly remoteAddr: bigint;
  readonly rkey: number;
  /** `OpTrait.PAYLOAD_IN`: the bytes the responder sends back. */
  readonly readLength: number;
  /** `OpTrait.ATOMIC`: the operands (0 otherwise: wires carry them only then). */
  readonly compareAdd: bigint;
  readonly swap: bigint;
  /** UD: the Q_Key. */
  readonly qkey: number;
  /** The sender's P_Key (0 from a peer that predates partitions: taken as the default). */
  readonly pkey: number;
  /** `QpType` of the sender. */
  readonly qpType: number;
  readonly solicited: boolean;
  /** RDMA READ, on the requester's side: where the data goes (a transport may have the responder place it there directly). */
  readonly readSink?: readonly SgeSpec[] | null;
  /** RC, on the requester's side: its QP's guard, without which a transport must not let the responder touch its memory directly. */
  readonly guard?: QpGuard | null;
  /** RDMA READ, on the responder's side: when set, the responder places the data with it and answers without data. */
  readonly placeRead?: ((data: Uint8Array) => void) | null;
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
  /**
   * The responder QP is moving to another process (frozen for the switch,
   * or already gone from this one): not an error; the requester waits a
   * moment and resends, by the QP's new route once the peer has it.
   */
  MIGRATING: 6,
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

/**
 * The `OpTrait` bits of a request's opcode, 0 for an unknown one. Wires
 * carry `remoteAddr` only with `OpTrait.REMOTE` and `compareAdd` and `swap`
 * only with `OpTrait.ATOMIC` (a 64-bit read costs a BigInt).
 */
export function requestTraits(opcode: number): number {
  return WR_OPCODE_TRAITS[opcode]?.flags ?? 0;
}
