import type { WrOpcodeValue } from '../constants/wr-opcode.js';
import type { MemoryRegion } from '../memory-region.js';
import type { AddressHandle } from '../address-handle.js';

/** One scatter/gather element: a range of a registered memory region. */
export interface Sge {
  /** The region (must belong to the same protection domain as the QP, or the request fails with LOC_PROT_ERR). */
  readonly mr: MemoryRegion;
  /** Byte offset into the region; default 0. */
  readonly offset?: number;
  /** Byte count; default: the rest of the region from `offset`. */
  readonly length?: number;
}

/** A send-queue work request (`struct ibv_send_wr`). */
export interface SendWorkRequest {
  /** Your id for the request, returned in its completion: an integer 0 .. 2^53-1; default 0. */
  readonly wrId?: number;
  /** `WrOpcode` value; default `WrOpcode.SEND`. */
  readonly opcode?: WrOpcodeValue;
  /** Local memory to send from (SEND, WRITE) or to read into (READ, atomics: one 8-byte SGE). */
  readonly sgList?: readonly Sge[];
  /** Immediate data (uint32) for SEND_WITH_IMM and RDMA_WRITE_WITH_IMM. */
  readonly imm?: number;
  /** Remote address (RDMA and atomics), e.g. `BigInt(remote.addr) + 64n`. */
  readonly remoteAddr?: bigint;
  /** Remote key (RDMA and atomics). */
  readonly rkey?: number;
  /** Value to add (FETCH_AND_ADD) or to compare (CMP_AND_SWP), uint64. */
  readonly compareAdd?: bigint;
  /** Value to store on a successful compare (CMP_AND_SWP), uint64. */
  readonly swap?: bigint;
  /** Generate a completion; default true. Unsignaled requests complete silently unless they fail. */
  readonly signaled?: boolean;
  /** Copy the payload at post time (size up to the QP's `maxInline`); the buffer may be reused at once. */
  readonly inline?: boolean;
  /** Set the solicited-event bit. */
  readonly solicited?: boolean;
  /** Wait for earlier RDMA reads and atomics to finish first. */
  readonly fence?: boolean;
  /** UD only: where to send. */
  readonly ah?: AddressHandle;
  /** UD only: the destination QP number. */
  readonly remoteQpn?: number;
  /** UD only: the destination Q_Key. */
  readonly remoteQkey?: number;
}

/** A receive work request (`struct ibv_recv_wr`). */
export interface RecvWorkRequest {
  /** Your id for the request, returned in its completion; default 0. */
  readonly wrId?: number;
  /** Where incoming data lands; the sum of lengths bounds the message size. */
  readonly sgList?: readonly Sge[];
}

/** One work completion (`struct ibv_wc`), the allocating form `CompletionQueue.poll()` returns. */
export interface WorkCompletion {
  readonly wrId: number;
  /** `WcStatus` value. */
  readonly status: number;
  /** `WcOpcode` value (valid for failed completions only where the provider sets it). */
  readonly opcode: number;
  readonly byteLen: number;
  /** Immediate data when `wcFlags & WcFlags.WITH_IMM`. */
  readonly imm: number;
  /** The local QP the request belonged to. */
  readonly qpNum: number;
  /** UD: the sender's QP number. */
  readonly srcQp: number;
  /** `WcFlags` bits. */
  readonly wcFlags: number;
  /** UD: the sender's LID. */
  readonly slid: number;
  readonly vendorErr: number;
}
