import { nameLookup } from './names.js';

/** Work-completion opcodes, with the values of `enum ibv_wc_opcode`. */
export const WcOpcode = {
  SEND: 0,
  RDMA_WRITE: 1,
  RDMA_READ: 2,
  COMP_SWAP: 3,
  FETCH_ADD: 4,
  BIND_MW: 5,
  LOCAL_INV: 6,
  TSO: 7,
  RECV: 128,
  RECV_RDMA_WITH_IMM: 129,
} as const;

/** One `WcOpcode` value. */
export type WcOpcodeValue = (typeof WcOpcode)[keyof typeof WcOpcode];

/** Work-completion flags, with the values of `enum ibv_wc_flags`. */
export const WcFlags = {
  GRH: 1,
  WITH_IMM: 2,
  IP_CSUM_OK: 4,
  WITH_INV: 8,
} as const;

/** The name of a work-completion opcode (`128` -> `"RECV"`); unknown values give `"UNKNOWN(<n>)"`. */
export const wcOpcodeName: (opcode: number) => string = nameLookup(WcOpcode);
