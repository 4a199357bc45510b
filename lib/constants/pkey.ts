/**
 * Partition keys (P_Keys) as InfiniBand has them: 16 bits, the high bit
 * says full (1) or limited (0) membership, the low 15 bits name the
 * partition. Index 0 of every port's table is the default partition.
 */

/** The default partition, full member: index 0 of every P_Key table. */
export const DEFAULT_PKEY = 0xffff;

/** The membership bit: set for a full member, clear for a limited one. */
export const PKEY_FULL_MEMBER = 0x8000;

/** The partition number: the low 15 bits. */
export const PKEY_PARTITION_MASK = 0x7fff;

/** Whether a P_Key is a full member of its partition. */
export function isFullMember(pkey: number): boolean {
  return (pkey & PKEY_FULL_MEMBER) !== 0;
}

/**
 * Whether traffic between QPs with these P_Keys is delivered: the same
 * partition, and not both limited members.
 */
export function pkeysMatch(a: number, b: number): boolean {
  return (a & PKEY_PARTITION_MASK) === (b & PKEY_PARTITION_MASK) && (isFullMember(a) || isFullMember(b));
}

/** `0xffff (full)`, `0x0001 (limited)`. */
export function pkeyText(pkey: number): string {
  return `0x${pkey.toString(16).padStart(4, '0')} (${isFullMember(pkey) ? 'full' : 'limited'})`;
}
