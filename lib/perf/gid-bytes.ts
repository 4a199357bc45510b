import { InvalidArgumentError } from '../errors/invalid-argument-error.js';

/**
 * The 16 bytes of a GID in IPv6 notation (`"fe80::1"`, `"::ffff:10.0.0.1"`).
 * @throws InvalidArgumentError when `text` is not an IPv6 address.
 */
export function gidBytes(text: string): Uint8Array {
  let s = text;
  const groups: number[] = [];
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  let tail: number[] = [];
  if (v4) {
    const b = v4.slice(1, 5).map(Number);
    tail = [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!];
    s = s.slice(0, v4.index) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) throw new InvalidArgumentError('gid', `not an IPv6 address: "${text}"`);
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new InvalidArgumentError('gid', `not an IPv6 address: "${text}"`);
    return Number.parseInt(g, 16);
  }));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const fill = 8 - head.length - rest.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) throw new InvalidArgumentError('gid', `not an IPv6 address: "${text}"`);
  groups.push(...head, ...new Array<number>(fill).fill(0), ...rest);
  if (tail.length === 2) groups.splice(6, 2, ...tail);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => { out[2 * i] = g >> 8; out[2 * i + 1] = g & 0xff; });
  return out;
}

/** A GID's 16 bytes in IPv6 notation, zero runs compressed (`fe80::1`), IPv4-mapped ones as `::ffff:a.b.c.d`. */
export function gidText(bytes: Uint8Array): string {
  const g = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
