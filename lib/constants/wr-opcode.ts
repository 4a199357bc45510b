/** Send work-request opcodes, with the values of `enum ibv_wr_opcode`. */
export const WrOpcode = {
  RDMA_WRITE: 0,
  RDMA_WRITE_WITH_IMM: 1,
  SEND: 2,
  SEND_WITH_IMM: 3,
  RDMA_READ: 4,
  ATOMIC_CMP_AND_SWP: 5,
  ATOMIC_FETCH_AND_ADD: 6,
} as const;

/** One `WrOpcode` value. */
export type WrOpcodeValue = (typeof WrOpcode)[keyof typeof WrOpcode];

/** Send flags, with the values of `enum ibv_send_flags`. */
export const SendFlags = {
  FENCE: 1,
  SIGNALED: 2,
  SOLICITED: 4,
  INLINE: 8,
} as const;

const names: string[] = [];
for (const [name, value] of Object.entries(WrOpcode)) names[value] = name;

/** The name of a send opcode (`2` -> `"SEND"`); unknown values give `"UNKNOWN(<n>)"`. */
export function wrOpcodeName(opcode: number): string {
  return names[opcode] ?? `UNKNOWN(${opcode})`;
}
