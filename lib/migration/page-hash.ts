/**
 * A fast 64-bit content hash of memory pages, for dirty tracking and
 * verification. Four 32-bit lanes take 16 bytes per step (multiply, rotate,
 * multiply: the structure of xxHash32's inner loop, with our own merge into
 * two 32-bit halves), so each page costs one pass of integer arithmetic over
 * a `Uint32Array` view. Not cryptographic: it detects changes made by a
 * program, not by an adversary who chooses colliding pages.
 */

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;

/** Scratch for pages whose bytes are not 4-byte aligned in their buffer. */
let scratch = new Uint32Array(1024);

/**
 * Hash `length` bytes of `bytes` at `offset` and store the two 32-bit halves
 * at `out[2 * slot]` and `out[2 * slot + 1]`. `length` must be a multiple of 16.
 */
export function hashPageInto(bytes: Uint8Array, offset: number, length: number, out: Uint32Array, slot: number): void {
  const words = wordView(bytes, offset, length);
  let a = P1 + P2 | 0;
  let b = P2 | 0;
  let c = 0;
  let d = -P1 | 0;
  const n = length >>> 2;
  for (let i = 0; i < n; i += 4) {
    a = Math.imul(rotl(a + Math.imul(words[i]!, P2) | 0, 13), P1);
    b = Math.imul(rotl(b + Math.imul(words[i + 1]!, P2) | 0, 13), P1);
    c = Math.imul(rotl(c + Math.imul(words[i + 2]!, P2) | 0, 13), P1);
    d = Math.imul(rotl(d + Math.imul(words[i + 3]!, P2) | 0, 13), P1);
  }
  out[2 * slot] = avalanche((rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18) | 0) ^ length);
  out[2 * slot + 1] = avalanche(Math.imul(a ^ rotl(c, 5), P4) + Math.imul(b ^ rotl(d, 11), P3) | 0);
}

function wordView(bytes: Uint8Array, offset: number, length: number): Uint32Array {
  const start = bytes.byteOffset + offset;
  if (start % 4 === 0) return new Uint32Array(bytes.buffer, start, length >>> 2);
  if (scratch.length * 4 < length) scratch = new Uint32Array(length >>> 2);
  new Uint8Array(scratch.buffer, 0, length).set(bytes.subarray(offset, offset + length));
  return scratch.subarray(0, length >>> 2);
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function avalanche(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}
