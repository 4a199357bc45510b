import type { SgeSpec } from '../../../provider/spi.js';
import type { SharedMemory } from '../mapping/shared-memory.js';
import { HubProtocolError } from './errors.js';

/**
 * Requests whose bytes stay in shared memory. Instead of the payload (or,
 * for an RDMA READ, in front of nothing), the body of a request frame then
 * lists where the bytes lie: u32 count, then per piece u8 name length, the
 * name (ASCII), f64 object size, f64 offset, u32 length. Flag bits in the
 * request header say which list it is.
 */
export const MappedFlag = {
  /** The body lists the pieces of the payload (RC SEND, RDMA WRITE). */
  PAYLOAD: 2,
  /** The body lists where the RDMA READ data goes in the requester's memory. */
  READ_SINK: 4,
} as const;

/** One piece of a message in a named shared memory object. */
export interface MappedPiece {
  readonly name: string;
  readonly size: number;
  readonly offset: number;
  readonly length: number;
}

const PIECE_FIXED = 1 + 8 + 8 + 4;
/** Most pieces in one list (a work request has far fewer SGEs). */
const MAX_PIECES = 1024;

/**
 * Where the first `length` bytes of `sges` lie in this thread's shared
 * memory objects, or null when some of them lie elsewhere.
 */
export function mappedPieces(sges: readonly SgeSpec[], length: number, mem: SharedMemory): MappedPiece[] | null {
  const out: MappedPiece[] = [];
  let left = length;
  for (const sge of sges) {
    if (left === 0) break;
    const n = Math.min(sge.length, left);
    left -= n;
    if (n === 0) continue;
    const bytes = sge.mr.bytes;
    const ref = mem.mappingOf(bytes.buffer);
    if (ref === undefined) return null;
    out.push({ name: ref.name, size: ref.size, offset: bytes.byteOffset + sge.offset, length: n });
  }
  return left === 0 ? out : null;
}

/** Bytes `writePieces` takes for `pieces`. */
export function piecesSize(pieces: readonly MappedPiece[]): number {
  let n = 4;
  for (const p of pieces) n += PIECE_FIXED + p.name.length;
  return n;
}

/** Write the list at `o`; returns the offset after it. */
export function writePieces(b: Buffer, o: number, pieces: readonly MappedPiece[]): number {
  b.writeUInt32LE(pieces.length, o);
  o += 4;
  for (const p of pieces) {
    b[o] = p.name.length;
    b.write(p.name, o + 1, 'latin1');
    o += 1 + p.name.length;
    b.writeDoubleLE(p.size, o);
    b.writeDoubleLE(p.offset, o + 8);
    b.writeUInt32LE(p.length, o + 16);
    o += 20;
  }
  return o;
}

/**
 * Read a list written by `writePieces`, checking each piece lies inside its object.
 * @throws HubProtocolError for a malformed list.
 */
export function readPieces(body: Buffer): MappedPiece[] {
  if (body.length < 4) throw new HubProtocolError('mapped request without its list of pieces');
  const count = body.readUInt32LE(0);
  if (count > MAX_PIECES) throw new HubProtocolError(`mapped request with ${count} pieces`);
  const out: MappedPiece[] = [];
  let o = 4;
  for (let i = 0; i < count; i++) {
    if (o + 1 > body.length) throw new HubProtocolError('mapped request list cut short');
    const nameLen = body[o]!;
    if (o + 1 + nameLen + 20 > body.length) throw new HubProtocolError('mapped request list cut short');
    const name = body.toString('latin1', o + 1, o + 1 + nameLen);
    o += 1 + nameLen;
    const size = body.readDoubleLE(o);
    const offset = body.readDoubleLE(o + 8);
    const length = body.readUInt32LE(o + 16);
    o += 20;
    if (!Number.isSafeInteger(size) || !Number.isSafeInteger(offset) || offset < 0 || offset + length > size) {
      throw new HubProtocolError(`mapped piece ${offset}+${length} outside its object of ${size} bytes`);
    }
    out.push({ name, size, offset, length });
  }
  if (o !== body.length) throw new HubProtocolError('mapped request list with bytes after it');
  return out;
}

/**
 * Map each piece (the objects of another process) and return views of its bytes.
 * @throws VerbsError / RangeError when an object cannot be mapped (see `SharedMemory.map`).
 */
export function openPieces(pieces: readonly MappedPiece[], mem: SharedMemory): Uint8Array[] {
  return pieces.map((p) => mem.map(p.name, p.size).subarray(p.offset, p.offset + p.length));
}
