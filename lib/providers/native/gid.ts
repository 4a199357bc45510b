/**
 * Choosing the GID an endpoint is addressed by. On RoCE the choice decides
 * the wire protocol (RoCE v1 or v2) and the IP family, and a wrong one is
 * the usual reason two hosts cannot connect, so the choice is explicit and
 * a failure says what was seen.
 */
import type { GidEntry } from '../../types/device.js';
import { GidType, LinkLayer } from '../../constants/port.js';
import { RdmaError } from '../../errors/rdma-error.js';

/** The GID chosen for a port. */
export interface GidChoice {
  readonly index: number;
  readonly gid: string;
  readonly type: number;
  /** Why it was chosen, for diagnostics. */
  readonly why: string;
}

/** True for an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), the form RoCE v2 uses for IPv4. */
export function isIpv4MappedGid(gid: string): boolean {
  return /^::ffff:(\d{1,3}\.){3}\d{1,3}$/i.test(gid) || /^0{0,4}(:0{0,4}){4}:ffff:(\d{1,3}\.){3}\d{1,3}$/i.test(gid);
}

/** True for a link-local GID (fe80::/10), which routers do not forward. */
export function isLinkLocalGid(gid: string): boolean {
  return /^fe[89ab][0-9a-f]?:/i.test(gid);
}

function describeEntry(e: GidEntry): string {
  return `${e.index} ${e.gid} (${e.typeName}${e.netdev ? `, ${e.netdev}` : ''})`;
}

/** Rank of an entry on an Ethernet port (lower is better), or a reason it does not fit. */
function rankEthernet(e: GidEntry): number | string {
  if (e.type === GidType.IB) return 'an InfiniBand GID on an Ethernet port';
  const mapped = isIpv4MappedGid(e.gid);
  const linkLocal = isLinkLocalGid(e.gid);
  if (e.type === GidType.ROCE_V2) return mapped ? 0 : linkLocal ? 2 : 1;
  return mapped ? 3 : linkLocal ? 5 : 4;
}

function rankInfiniband(e: GidEntry): number | string {
  if (e.type !== GidType.IB) return `a ${e.typeName} GID on an InfiniBand port`;
  return 0;
}

const WHY = [
  'RoCE v2 with an IPv4-mapped address',
  'RoCE v2 with a global IPv6 address',
  'RoCE v2 with a link-local IPv6 address',
  'RoCE v1 with an IPv4-mapped address',
  'RoCE v1',
  'RoCE v1 with a link-local IPv6 address',
];

/**
 * Choose the GID for endpoints on a port: on Ethernet (RoCE) prefer RoCE v2
 * with an IPv4-mapped address, then RoCE v2 with a global IPv6 address,
 * then link-local RoCE v2, then RoCE v1; on InfiniBand the first IB GID
 * (normally index 0). Ties go to the lower index. `override` (from
 * `OpenOptions.gidIndex`) must name a populated entry.
 *
 * @param where - e.g. `"rxe0 port 1"`, for messages.
 * @throws RdmaError `ERR_NO_GID` saying which GIDs were seen and why none fit.
 */
export function chooseGid(entries: readonly GidEntry[], linkLayer: number, where: string, override?: number): GidChoice {
  const seen = entries.length === 0 ? 'none' : entries.map(describeEntry).join('; ');
  if (override !== undefined) {
    const e = entries.find((x) => x.index === override);
    if (!e) {
      throw new RdmaError('ERR_NO_GID', `GID index ${override} (OpenOptions.gidIndex) is not populated on ${where}; populated entries: ${seen}`);
    }
    return { index: e.index, gid: e.gid, type: e.type, why: 'chosen by OpenOptions.gidIndex' };
  }
  const ethernet = linkLayer === LinkLayer.ETHERNET;
  let best: { e: GidEntry; rank: number } | undefined;
  const rejected: string[] = [];
  for (const e of entries) {
    const rank = ethernet ? rankEthernet(e) : rankInfiniband(e);
    if (typeof rank === 'string') {
      rejected.push(`${describeEntry(e)}: ${rank}`);
      continue;
    }
    if (!best || rank < best.rank || (rank === best.rank && e.index < best.e.index)) best = { e, rank };
  }
  if (best) {
    return { index: best.e.index, gid: best.e.gid, type: best.e.type, why: ethernet ? WHY[best.rank] ?? 'RoCE' : 'InfiniBand GID' };
  }
  const layer = ethernet ? 'Ethernet (RoCE)' : 'InfiniBand';
  if (entries.length === 0) {
    const hint = ethernet
      ? 'the GID table is empty: the netdev under this port has no IP address or is down (add one with `ip addr add 10.0.0.1/24 dev <netdev>` and `ip link set <netdev> up`)'
      : 'the GID table is empty: is the port initialised by a subnet manager?';
    throw new RdmaError('ERR_NO_GID', `no usable GID on ${where} (${layer} link layer): ${hint}`);
  }
  throw new RdmaError('ERR_NO_GID', `no usable GID on ${where} (${layer} link layer); seen: ${rejected.join('; ')}. Pass OpenOptions.gidIndex to choose one yourself`);
}
