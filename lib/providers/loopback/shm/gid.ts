/** What the GID of a node opened without a hub tells (see `createLocalNode`). */
export interface LocalGid {
  readonly pid: number;
  readonly threadId: number;
}

/** The process and thread a `fe80::pid-hi:pid-lo:thread:counter` GID names, or null for any other GID. */
export function parseLocalGid(gid: string): LocalGid | null {
  const parts = gid.split(':');
  if (parts.length !== 6 || parts[0] !== 'fe80' || parts[1] !== '') return null;
  const n = parts.slice(2).map((p) => (/^[0-9a-f]{1,4}$/.test(p) ? parseInt(p, 16) : -1));
  if (n.some((v) => v < 0)) return null;
  return { pid: ((n[0]! << 16) | n[1]!) >>> 0, threadId: n[2]! };
}
