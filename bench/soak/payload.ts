/**
 * Self-checking messages: a 12-byte header (sequence number, body length,
 * FNV-1a of the body) and a body made from the sequence number, so that a
 * receiver verifies what arrived without knowing what was sent.
 */

export const HEADER_BYTES = 12;

/** FNV-1a (32 bits) of `bytes`. */
export function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** Write message `seq` of `length` bytes (at least the header) into `into`. */
export function writeMessage(into: Uint8Array, seq: number, length: number): void {
  const body = into.subarray(HEADER_BYTES, length);
  let x = (seq * 2654435761 + 7) >>> 0;
  for (let i = 0; i < body.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    body[i] = x >>> 24;
  }
  const view = new DataView(into.buffer, into.byteOffset, HEADER_BYTES);
  view.setUint32(0, seq, true);
  view.setUint32(4, body.length, true);
  view.setUint32(8, fnv1a(body), true);
}

/** Whether `bytes` (exactly what arrived) is a whole, intact message. */
export function messageIntact(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER_BYTES) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const length = view.getUint32(4, true);
  if (length !== bytes.length - HEADER_BYTES) return false;
  return fnv1a(bytes.subarray(HEADER_BYTES)) === view.getUint32(8, true);
}

/** The bytes every node serves for RDMA READ: the same in every incarnation. */
export function staticArea(size: number): Uint8Array {
  const out = new Uint8Array(size);
  writeMessage(out, 0x5eed, size);
  return out;
}
