/**
 * What each send opcode is: one row per opcode, read by validation, by both
 * providers and by the native packer (and rendered into
 * native/wr_layout_generated.h for the addon). Adding an opcode means one
 * row here plus the code that executes it (see docs/extending.md).
 */
import { QpType } from './qp.js';
import { WcOpcode } from './wc-opcode.js';

/** Bits of `WrOpcodeTraits.flags`. */
export const OpTrait = {
  /** Addresses remote memory: needs `remoteAddr` and `rkey`. */
  REMOTE: 1,
  /** An 8-byte atomic: one 8-byte SGE receives the original value, `compareAdd` is an operand, the address is 8-byte aligned. */
  ATOMIC: 2,
  /** Also takes the `swap` operand (compare and swap). */
  SWAP: 4,
  /** Carries 32-bit immediate data (`imm`). */
  IMM: 8,
  /** The local SGEs are gathered and sent (the only payload that may be inline). */
  PAYLOAD_OUT: 16,
  /** The local SGEs receive what the responder sends back (READ data, the atomic's original value). */
  PAYLOAD_IN: 32,
  /** The responder consumes a receive request and completes it on its receive CQ. */
  CONSUMES_RECV: 64,
} as const;

/** The bit of a `QpType` value in `WrOpcodeTraits.qpTypes`. */
export function qpTypeBit(type: number): number {
  return type >= 0 && type < 31 ? 1 << type : 0;
}

const RC = qpTypeBit(QpType.RC);
const UC = qpTypeBit(QpType.UC);
const UD = qpTypeBit(QpType.UD);

/** No receive completion (the opcode consumes no receive request). */
export const NO_RECV_WC = -1;

/** One row of the opcode table. */
export interface WrOpcodeRow {
  /** The value of `enum ibv_wr_opcode`. */
  readonly value: number;
  /** `OpTrait` bits. */
  readonly flags: number;
  /** `WcOpcode` of the requester's completion. */
  readonly wcOpcode: number;
  /** `WcOpcode` of the responder's receive completion, or `NO_RECV_WC`. */
  readonly recvWcOpcode: number;
  /** `qpTypeBit()` of each QP type that allows the opcode, OR-ed. */
  readonly qpTypes: number;
}

/** The traits of one send opcode: its table row with its name. */
export interface WrOpcodeTraits extends WrOpcodeRow {
  /** The opcode's name (`"RDMA_WRITE"`). */
  readonly name: string;
}

/**
 * The opcode table, keyed by name (frozen). `WrOpcode` is derived from it,
 * so a new row is a new opcode everywhere.
 */
export const WR_OPCODE_TABLE = {
  RDMA_WRITE: {
    value: 0, flags: OpTrait.REMOTE | OpTrait.PAYLOAD_OUT,
    wcOpcode: WcOpcode.RDMA_WRITE, recvWcOpcode: NO_RECV_WC, qpTypes: RC | UC,
  },
  RDMA_WRITE_WITH_IMM: {
    value: 1, flags: OpTrait.REMOTE | OpTrait.PAYLOAD_OUT | OpTrait.IMM | OpTrait.CONSUMES_RECV,
    wcOpcode: WcOpcode.RDMA_WRITE, recvWcOpcode: WcOpcode.RECV_RDMA_WITH_IMM, qpTypes: RC | UC,
  },
  SEND: {
    value: 2, flags: OpTrait.PAYLOAD_OUT | OpTrait.CONSUMES_RECV,
    wcOpcode: WcOpcode.SEND, recvWcOpcode: WcOpcode.RECV, qpTypes: RC | UC | UD,
  },
  SEND_WITH_IMM: {
    value: 3, flags: OpTrait.PAYLOAD_OUT | OpTrait.IMM | OpTrait.CONSUMES_RECV,
    wcOpcode: WcOpcode.SEND, recvWcOpcode: WcOpcode.RECV, qpTypes: RC | UC | UD,
  },
  RDMA_READ: {
    value: 4, flags: OpTrait.REMOTE | OpTrait.PAYLOAD_IN,
    wcOpcode: WcOpcode.RDMA_READ, recvWcOpcode: NO_RECV_WC, qpTypes: RC,
  },
  ATOMIC_CMP_AND_SWP: {
    value: 5, flags: OpTrait.REMOTE | OpTrait.ATOMIC | OpTrait.SWAP | OpTrait.PAYLOAD_IN,
    wcOpcode: WcOpcode.COMP_SWAP, recvWcOpcode: NO_RECV_WC, qpTypes: RC,
  },
  ATOMIC_FETCH_AND_ADD: {
    value: 6, flags: OpTrait.REMOTE | OpTrait.ATOMIC | OpTrait.PAYLOAD_IN,
    wcOpcode: WcOpcode.FETCH_ADD, recvWcOpcode: NO_RECV_WC, qpTypes: RC,
  },
} as const satisfies Record<string, WrOpcodeRow>;

const traits: Array<WrOpcodeTraits | undefined> = [];
for (const [name, row] of Object.entries(WR_OPCODE_TABLE)) {
  Object.freeze(row);
  traits[row.value] = Object.freeze({ name, value: row.value, flags: row.flags, wcOpcode: row.wcOpcode, recvWcOpcode: row.recvWcOpcode, qpTypes: row.qpTypes });
}
Object.freeze(WR_OPCODE_TABLE);

/**
 * The traits of every send opcode, indexed by its value (a hole for a value
 * that is no opcode). Frozen; consulting it allocates nothing.
 */
export const WR_OPCODE_TRAITS: readonly (WrOpcodeTraits | undefined)[] = Object.freeze(traits);

/** The traits of `opcode`, or undefined when it is not a known send opcode (any type accepted; never throws). */
export function wrOpcodeTraits(opcode: unknown): WrOpcodeTraits | undefined {
  return typeof opcode === 'number' ? WR_OPCODE_TRAITS[opcode] : undefined;
}

/** The names of the opcodes a QP of `type` allows (`["SEND", "SEND_WITH_IMM"]` for UD). */
export function opcodesAllowedOn(type: number): string[] {
  const bit = qpTypeBit(type);
  const out: string[] = [];
  for (const t of WR_OPCODE_TRAITS) if (t && (t.qpTypes & bit) !== 0) out.push(t.name);
  return out;
}
