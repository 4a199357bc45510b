import type { RemoteMemory } from '../../types/endpoint.js';
import { ExchangeError, ExchangeErrorCode } from '../../errors/exchange-error.js';

/** Bytes of one region on the wire: address (8), length (8), rkey (4), big-endian. */
export const REGION_BYTES = 20;

/** Bytes of a region list: a 16-bit count, then each region. */
export function regionsBytes(count: number): number {
  return 2 + REGION_BYTES * count;
}

/**
 * Write a region list at `at`; returns the offset after it.
 * Callers keep `regions.length` at most 65535.
 */
export function encodeRegions(out: Buffer, at: number, regions: readonly RemoteMemory[]): number {
  out.writeUInt16BE(regions.length, at);
  at += 2;
  for (const r of regions) {
    out.writeBigUInt64BE(BigInt(r.addr), at);
    out.writeBigUInt64BE(BigInt(r.length), at + 8);
    out.writeUInt32BE(r.rkey, at + 16);
    at += REGION_BYTES;
  }
  return at;
}

/**
 * Read a region list at `at` of a `what` (a HELLO, a hello).
 * @throws ExchangeError `ERR_EXCHANGE_MALFORMED` when the bytes end inside it or a length is past 2^53.
 */
export function decodeRegions(p: Buffer, at: number, what: string): { readonly regions: RemoteMemory[]; readonly end: number } {
  if (at + 2 > p.length) throw malformed(`${what} ends inside the region count (byte ${at}, ${p.length} bytes)`);
  const count = p.readUInt16BE(at);
  at += 2;
  if (at + count * REGION_BYTES > p.length) throw malformed(`${what} ends inside the regions (byte ${at}, ${p.length} bytes)`);
  const regions: RemoteMemory[] = [];
  for (let i = 0; i < count; i++, at += REGION_BYTES) {
    const length = p.readBigUInt64BE(at + 8);
    if (length > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`${what} region ${i} is ${length} bytes long`);
    regions.push({ addr: p.readBigUInt64BE(at).toString(), length: Number(length), rkey: p.readUInt32BE(at + 16) });
  }
  return { regions, end: at };
}

function malformed(message: string): ExchangeError {
  return new ExchangeError(ExchangeErrorCode.MALFORMED, message);
}
