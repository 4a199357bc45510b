/**
 * GIDs as sysfs writes them (`fe80:0000:0000:0000:0e42:a1ff:fe65:b1e2`) turned
 * into IPv6 notation, and the GID type names.
 */

/**
 * The GID in compressed IPv6 notation (`"fe80::e42:a1ff:fe65:b1e2"`,
 * IPv4-mapped as `"::ffff:10.0.0.1"`), or undefined when `text` is not eight
 * groups of hex or the GID is all zeros (an unpopulated entry).
 */
export function formatGid(text: string): string | undefined {
  const groups = text.trim().toLowerCase().split(':');
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  const words = groups.map((g) => Number.parseInt(g, 16));
  if (words.every((w) => w === 0)) return undefined;
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    const [hi, lo] = [words[6] ?? 0, words[7] ?? 0];
    return `::ffff:${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  // RFC 5952: compress the longest run (length >= 2) of zero words, the first one on a tie.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * The one rule for `gid_attrs/types/<index>` text, used by SR-IOV discovery
 * and the native provider alike. The kernel writes exactly two strings:
 * `"RoCE v2"` (RoCEv2) and `"IB/RoCE v1"`, which is `IB` on an InfiniBand
 * port and `RoCEv1` on an Ethernet one (`linkLayer` is the port's
 * `link_layer`). Anything else is not a GID type: undefined, never a guess.
 */
export function gidTypeName(text: string, linkLayer: string | undefined): 'IB' | 'RoCEv1' | 'RoCEv2' | undefined {
  const t = text.trim();
  if (t === 'RoCE v2') return 'RoCEv2';
  if (t === 'IB/RoCE v1') return linkLayer === 'Ethernet' ? 'RoCEv1' : 'IB';
  return undefined;
}
