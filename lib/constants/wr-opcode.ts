import { WR_OPCODE_TABLE, WR_OPCODE_TRAITS } from './wr-opcode-traits.js';

type OpcodeValues = { readonly [K in keyof typeof WR_OPCODE_TABLE]: (typeof WR_OPCODE_TABLE)[K]['value'] };

const values: Record<string, number> = {};
for (const [name, row] of Object.entries(WR_OPCODE_TABLE)) values[name] = row.value;

/**
 * Send work-request opcodes, with the values of `enum ibv_wr_opcode`:
 * RDMA_WRITE 0, RDMA_WRITE_WITH_IMM 1, SEND 2, SEND_WITH_IMM 3, RDMA_READ 4,
 * ATOMIC_CMP_AND_SWP 5, ATOMIC_FETCH_AND_ADD 6. Derived from the opcode
 * table (`WR_OPCODE_TABLE`), where each opcode's traits are.
 */
export const WrOpcode = Object.freeze(values) as OpcodeValues;

/** One `WrOpcode` value. */
export type WrOpcodeValue = OpcodeValues[keyof OpcodeValues];

/** Send flags, with the values of `enum ibv_send_flags`. */
export const SendFlags = {
  FENCE: 1,
  SIGNALED: 2,
  SOLICITED: 4,
  INLINE: 8,
} as const;

/** The name of a send opcode (`2` -> `"SEND"`); unknown values give `"UNKNOWN(<n>)"`. */
export function wrOpcodeName(opcode: number): string {
  return WR_OPCODE_TRAITS[opcode]?.name ?? `UNKNOWN(${opcode})`;
}
