import type { SgeSpec } from '../../../provider/spi.js';
import type { SharedMemory } from '../mapping/shared-memory.js';
import { HubProtocolError } from './errors.js';

/**
 * Requests whose bytes stay in shared memory. Instead of the payload (or,
 * for an RDMA READ, in front of nothing), the body of a request frame then
 * holds the requester QP's guard (u8 name length, the name (ASCII) of the
 * object it lies in, f64 object size, u32 slot: see `QpGuard`) and lists
 * where the bytes lie: u32 count, then per piece u8 name length, the name,
 * f64 object size, f64 offset, u32 length. Flag bits in the request header
 * say which list it is.
 */
export const MappedFlag = {
  /** The body lists the pieces of the payload (RC SEND, RDMA WRITE). */
  PAYLOAD: 2,
  /** The body lists where the RDMA READ data goes in the requester's memory. */
  READ_SINK: 4,
} as const;

/** Where a requester QP's guard word lies: slot `slot` (a 32-bit word) of object `name`. */
export interface GuardRef {
  readonly name: string;
  readonly size: number;
  readonly slot: number;
}

/** What a mapped request's body holds. */
export interface MappedList {
  readonly guard: GuardRef;
  readonly pieces: readonly MappedPiece[];
}

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

const GUARD_FIXED = 1 + 8 + 4;

/** Bytes `writePieces` takes for `list`. */
export function piecesSize(list: MappedList): number {
  let n = GUARD_FIXED + list.guard.name.length + 4;
  const pieces = list.pieces;
  for (const p of pieces) n += PIECE_FIXED + p.name.length;
  return n;
}

/** Write `list` at `o`; returns the offset after it. */
export function writePieces(b: Buffer, o: number, list: MappedList): number {
  const { guard, pieces } = list;
  b[o] = guard.name.length;
  b.write(guard.name, o + 1, 'latin1');
  o += 1 + guard.name.length;
  b.writeDoubleLE(guard.size, o);
  b.writeUInt32LE(guard.slot, o + 8);
  o += 12;
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
export function readPieces(body: Buffer): MappedList {
  if (body.length < 1 || body.length < GUARD_FIXED + body[0]! + 4) throw new HubProtocolError('mapped request without its guard and list of pieces');
  const guardName = body.toString('latin1', 1, 1 + body[0]!);
  let o = 1 + body[0]!;
  const guard = { name: guardName, size: body.readDoubleLE(o), slot: body.readUInt32LE(o + 8) };
  o += 12;
  if (!Number.isSafeInteger(guard.size) || guard.slot * 4 + 4 > guard.size) throw new HubProtocolError(`mapped request guard slot ${guard.slot} outside its object`);
  const count = body.readUInt32LE(o);
  if (count > MAX_PIECES) throw new HubProtocolError(`mapped request with ${count} pieces`);
  const out: MappedPiece[] = [];
  o += 4;
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
  return { guard, pieces: out };
}

/**
 * Map each piece (the objects of another process) and return views of its bytes.
 * @throws VerbsError / RangeError when an object cannot be mapped (see `SharedMemory.map`).
 */
export function openPieces(pieces: readonly MappedPiece[], mem: SharedMemory): Uint8Array[] {
  return pieces.map((p) => mem.map(p.name, p.size).subarray(p.offset, p.offset + p.length));
}
