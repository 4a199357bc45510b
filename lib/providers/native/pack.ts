/**
 * Packing work requests into one reusable buffer that the addon reads in a
 * single call (one `ibv_post_send` / `ibv_post_recv` chain): no per-field
 * property reads across the boundary, no allocation per request once the
 * buffer has grown to the queue's size. The layout is native/wr_layout.h's.
 */
import type { RecvWrSpec, SendWrSpec, SgeSpec } from '../../provider/spi.js';
import { OpTrait, WR_OPCODE_TRAITS } from '../../constants/wr-opcode-traits.js';
import { downcast } from '../../provider/downcast.js';
import { NativeMr } from './mr.js';
import { NativeAh } from './ah.js';

/**
 * Byte sizes and offsets of the packed layout: the addon reads the same
 * numbers from native/wr_layout_generated.h, which is rendered from this
 * object (`npm run gen:native`; a test fails when the two differ).
 */
export const Layout = {
  SEND_BYTES: 64,
  RECV_BYTES: 16,
  SGE_BYTES: 16,
  /** Send header, uint32 word offsets (wr id is the float64 at word 0). */
  S_OPCODE: 2,
  S_FLAGS: 3,
  S_IMM: 4,
  S_RKEY: 5,
  /** uint64 offsets (in 8-byte units) inside the send header. */
  S_REMOTE_ADDR64: 3,
  S_COMPARE_ADD64: 4,
  S_SWAP64: 5,
  S_NUM_SGE: 12,
  S_REMOTE_QPN: 13,
  S_REMOTE_QKEY: 14,
  S_AH: 15,
  /** Receive header word offsets (wr id is the float64 at word 0, word 3 is 0). */
  R_NUM_SGE: 2,
  /** SGE record word offsets. */
  G_ADDR_LO: 0,
  G_ADDR_HI: 1,
  G_LENGTH: 2,
  G_LKEY: 3,
} as const;

const TWO_32 = 0x1_0000_0000;

/** A growable buffer with the three views packing needs. */
export class WrPacker {
  #buffer: ArrayBuffer;
  #u32: Uint32Array;
  #f64: Float64Array;
  #u64: BigUint64Array;

  constructor(initialBytes = 1024) {
    this.#buffer = new ArrayBuffer(roundUp(initialBytes));
    this.#u32 = new Uint32Array(this.#buffer);
    this.#f64 = new Float64Array(this.#buffer);
    this.#u64 = new BigUint64Array(this.#buffer);
  }

  /** The buffer the last `packSend`/`packRecv` wrote. */
  get buffer(): ArrayBuffer { return this.#buffer; }

  /** Grow the buffer to hold `wrs`, each a header of `headerBytes` and its SGEs. */
  #ensure(wrs: ReadonlyArray<{ readonly sgList: readonly SgeSpec[] }>, headerBytes: number): void {
    let bytes = 0;
    for (let i = 0; i < wrs.length; i++) bytes += headerBytes + Layout.SGE_BYTES * wrs[i]!.sgList.length;
    if (bytes <= this.#buffer.byteLength) return;
    this.#buffer = new ArrayBuffer(roundUp(bytes));
    this.#u32 = new Uint32Array(this.#buffer);
    this.#f64 = new Float64Array(this.#buffer);
    this.#u64 = new BigUint64Array(this.#buffer);
  }

  /**
   * Pack send requests; returns the count.
   * @throws InvalidArgumentError for a region or address handle of another provider.
   */
  packSend(wrs: readonly SendWrSpec[]): number {
    this.#ensure(wrs, Layout.SEND_BYTES);
    let w = 0;
    for (let i = 0; i < wrs.length; i++) w = this.packSendAt(wrs[i]!, w, i);
    return wrs.length;
  }

  /**
   * Pack one send request at uint32 word `w` (the buffer must hold it);
   * `i` is its index, for error messages. Returns the word after it.
   * @throws InvalidArgumentError for a region or address handle of another provider.
   */
  packSendAt(wr: SendWrSpec, start: number, i: number): number {
    const u32 = this.#u32;
    const u64 = this.#u64;
    const w = start;
    const op = wr.opcode;
    this.#f64[w >>> 1] = wr.wrId;
    u32[w + Layout.S_OPCODE] = op;
    u32[w + Layout.S_FLAGS] = wr.flags;
    u32[w + Layout.S_IMM] = wr.imm;
    u32[w + Layout.S_RKEY] = wr.rkey;
    const w64 = w >>> 1;
    const traits = WR_OPCODE_TRAITS[op]?.flags ?? 0;
    // Zeros go in as pairs of 32-bit words: storing a BigInt costs more than two numbers.
    if ((traits & OpTrait.REMOTE) !== 0) u64[w64 + Layout.S_REMOTE_ADDR64] = wr.remoteAddr;
    else zero64(u32, w + 2 * Layout.S_REMOTE_ADDR64);
    if ((traits & OpTrait.ATOMIC) !== 0) {
      u64[w64 + Layout.S_COMPARE_ADD64] = wr.compareAdd;
      u64[w64 + Layout.S_SWAP64] = wr.swap;
    } else {
      zero64(u32, w + 2 * Layout.S_COMPARE_ADD64);
      zero64(u32, w + 2 * Layout.S_SWAP64);
    }
    const sges = wr.sgList;
    u32[w + Layout.S_NUM_SGE] = sges.length;
    u32[w + Layout.S_REMOTE_QPN] = wr.remoteQpn;
    u32[w + Layout.S_REMOTE_QKEY] = wr.remoteQkey;
    if (wr.ah === null) {
      u32[w + Layout.S_AH] = 0;
    } else {
      u32[w + Layout.S_AH] = downcast(wr.ah, NativeAh, `wr[${i}].ah`, 'an address handle of a native device').id;
    }
    return packSges(u32, w + (Layout.SEND_BYTES >>> 2), sges, i);
  }

  /**
   * Pack receive requests; returns the count.
   * @throws InvalidArgumentError for a region of another provider.
   */
  packRecv(wrs: readonly RecvWrSpec[]): number {
    this.#ensure(wrs, Layout.RECV_BYTES);
    let w = 0;
    for (let i = 0; i < wrs.length; i++) w = this.packRecvAt(wrs[i]!, w, i);
    return wrs.length;
  }

  /**
   * Pack one receive request at uint32 word `w`; returns the word after it.
   * @throws InvalidArgumentError for a region of another provider.
   */
  packRecvAt(wr: RecvWrSpec, w: number, i: number): number {
    const u32 = this.#u32;
    this.#f64[w >>> 1] = wr.wrId;
    u32[w + Layout.R_NUM_SGE] = wr.sgList.length;
    u32[w + Layout.R_NUM_SGE + 1] = 0;
    return packSges(u32, w + (Layout.RECV_BYTES >>> 2), wr.sgList, i);
  }
}

/** Bytes a packed send request with `numSge` SGEs takes. */
export function sendBytes(numSge: number): number {
  return Layout.SEND_BYTES + Layout.SGE_BYTES * numSge;
}

/** Bytes a packed receive request with `numSge` SGEs takes. */
export function recvBytes(numSge: number): number {
  return Layout.RECV_BYTES + Layout.SGE_BYTES * numSge;
}

function packSges(u32: Uint32Array, start: number, sges: readonly SgeSpec[], wrIndex: number): number {
  let w = start;
  for (let j = 0; j < sges.length; j++) {
    const s = sges[j]!;
    const mr = s.mr instanceof NativeMr ? s.mr : downcast(s.mr, NativeMr, `wr[${wrIndex}].sgList[${j}].mr`, 'a memory region of a native device');
    const sum = mr.addrLo + s.offset;
    const lo = sum % TWO_32;
    u32[w + Layout.G_ADDR_LO] = lo;
    u32[w + Layout.G_ADDR_HI] = mr.addrHi + (sum - lo) / TWO_32;
    u32[w + Layout.G_LENGTH] = s.length;
    u32[w + Layout.G_LKEY] = mr.lkey;
    w += Layout.SGE_BYTES >>> 2;
  }
  return w;
}

function zero64(u32: Uint32Array, word: number): void {
  u32[word] = 0;
  u32[word + 1] = 0;
}

function roundUp(bytes: number): number {
  let n = 1024;
  while (n < bytes) n *= 2;
  return n;
}
