/** The first LID the hub hands out (LID 1 is the hub itself, as the subnet manager). */
export const FIRST_LID = 2;
/** The last unicast LID. */
export const LAST_LID = 0xbfff;
/** The LID the hub reports as its own (`smLid`). */
export const HUB_LID = 1;

const GID_PREFIX = 'fe80::7672:646d:6100:';

/**
 * The GID of the hub node with this LID: link-local prefix and an interface
 * id made of the bytes "vrdma", a zero byte and the LID.
 */
export function gidOfLid(lid: number): string {
  return GID_PREFIX + lid.toString(16);
}

/** The LID a hub-assigned GID encodes, or 0 when `gid` is not one. */
export function lidOfGid(gid: string): number {
  if (!gid.startsWith(GID_PREFIX)) return 0;
  const rest = gid.slice(GID_PREFIX.length);
  if (!/^[0-9a-f]{1,4}$/.test(rest)) return 0;
  const lid = parseInt(rest, 16);
  return lid >= FIRST_LID && lid <= LAST_LID && gidOfLid(lid) === gid ? lid : 0;
}

/** The first QP number of the node with this LID (its LID in the upper bits). */
export function qpnBaseOfLid(lid: number): number {
  return (lid << 8) & 0xff_ffff;
}
