import type { WorkCompletion } from './types/work-request.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';

/** Field offsets inside one completion's slot of `WcBatch.fields` (uint32 words). */
export const WcField = {
  STATUS: 0,
  OPCODE: 1,
  BYTE_LEN: 2,
  IMM: 3,
  QP_NUM: 4,
  SRC_QP: 5,
  WC_FLAGS: 6,
  SLID: 7,
  VENDOR_ERR: 8,
} as const;

/** uint32 words per completion in `WcBatch.fields`. */
export const WC_STRIDE = 9;

/** The largest batch capacity accepted. */
export const WC_BATCH_MAX = 65536;

/**
 * A reusable, typed-array-backed set of work completions that
 * `CompletionQueue.pollBatch()` fills without allocating. Read completion
 * `i` (0 <= i < `count`) through the accessors.
 *
 * Memory layout (one ArrayBuffer, shared with native code): `capacity`
 * float64 wr ids, then `capacity * WC_STRIDE` uint32 words.
 */
export class WcBatch {
  /** How many completions fit. */
  readonly capacity: number;
  /** How many completions the last poll stored. */
  count = 0;
  /** Work-request ids, one per completion. */
  readonly wrIds: Float64Array;
  /** The other fields, `WC_STRIDE` words per completion (see `WcField`). */
  readonly fields: Uint32Array;
  /** The buffer holding both views. */
  readonly buffer: ArrayBuffer;

  /** @throws InvalidArgumentError when capacity is not an integer in 1..65536. */
  constructor(capacity = 64) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > WC_BATCH_MAX) {
      throw new InvalidArgumentError('capacity', `must be an integer from 1 to ${WC_BATCH_MAX}, got ${String(capacity)}`);
    }
    this.capacity = capacity;
    this.buffer = new ArrayBuffer(capacity * 8 + capacity * WC_STRIDE * 4);
    this.wrIds = new Float64Array(this.buffer, 0, capacity);
    this.fields = new Uint32Array(this.buffer, capacity * 8, capacity * WC_STRIDE);
  }

  /** Work-request id of completion `i`. */
  wrId(i: number): number { return this.wrIds[i]!; }
  /** `WcStatus` of completion `i`. */
  status(i: number): number { return this.fields[i * WC_STRIDE + WcField.STATUS]!; }
  /** `WcOpcode` of completion `i`. */
  opcode(i: number): number { return this.fields[i * WC_STRIDE + WcField.OPCODE]!; }
  /** Byte count of completion `i`. */
  byteLen(i: number): number { return this.fields[i * WC_STRIDE + WcField.BYTE_LEN]!; }
  /** Immediate data of completion `i`. */
  imm(i: number): number { return this.fields[i * WC_STRIDE + WcField.IMM]!; }
  /** Local QP number of completion `i`. */
  qpNum(i: number): number { return this.fields[i * WC_STRIDE + WcField.QP_NUM]!; }
  /** Source QP (UD) of completion `i`. */
  srcQp(i: number): number { return this.fields[i * WC_STRIDE + WcField.SRC_QP]!; }
  /** `WcFlags` of completion `i`. */
  wcFlags(i: number): number { return this.fields[i * WC_STRIDE + WcField.WC_FLAGS]!; }
  /** Source LID (UD) of completion `i`. */
  slid(i: number): number { return this.fields[i * WC_STRIDE + WcField.SLID]!; }
  /** Vendor error of completion `i`. */
  vendorErr(i: number): number { return this.fields[i * WC_STRIDE + WcField.VENDOR_ERR]!; }

  /** Completion `i` as a new object (allocates; for convenience, not the fast path). */
  at(i: number): WorkCompletion {
    const b = i * WC_STRIDE;
    const f = this.fields;
    return {
      wrId: this.wrIds[i]!,
      status: f[b + WcField.STATUS]!,
      opcode: f[b + WcField.OPCODE]!,
      byteLen: f[b + WcField.BYTE_LEN]!,
      imm: f[b + WcField.IMM]!,
      qpNum: f[b + WcField.QP_NUM]!,
      srcQp: f[b + WcField.SRC_QP]!,
      wcFlags: f[b + WcField.WC_FLAGS]!,
      slid: f[b + WcField.SLID]!,
      vendorErr: f[b + WcField.VENDOR_ERR]!,
    };
  }
}
