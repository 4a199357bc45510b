/**
 * The binary layout shared by the threads of one process: the ring control
 * words, the record kinds and the byte offsets of every record field. All
 * numbers are little-endian (the typed-array views of the host).
 */

/** Bytes of one ring slot: records start on a slot and fill whole slots. */
export const SLOT_BYTES = 64;

/** Bytes in front of a ring's data area (its control words, a cache line each). */
export const RING_CTRL_BYTES = 256;

/** Int32 indices of a ring's control words. */
export const RingWord = {
  /** Producer position: bytes written so far (wrapping int32). */
  HEAD: 0,
  /** Consumer position: bytes consumed so far (wrapping int32). */
  TAIL: 16,
  /** Set by a producer that waits for room; the consumer rings the producer's doorbell. */
  WANT_SPACE: 32,
  /** Non-zero once either side gave the ring up (its thread is gone or deemed gone). */
  CLOSED: 48,
} as const;

/** Bytes of a thread block: the words a thread is woken and watched through. */
export const BLOCK_BYTES = 256;

/** Int32 indices of a thread block's words. */
export const BlockWord = {
  /**
   * The doorbell: non-zero while the thread waits on its event loop. The
   * thread waits on this word; the first producer to find it up takes it
   * down and `Atomics.notify`s.
   */
  SLEEPING: 16,
  /** Bumped after posting a control message addressed to the thread. */
  ATTENTION: 32,
  /** Advanced by the thread while it lives (timer and polls). */
  HEARTBEAT: 48,
} as const;

/** Record kinds (the int32 at byte 4 of a record). */
export const Kind = {
  /** Filler up to the end of the data area; the next record starts at 0. */
  PAD: 1,
  REQUEST: 2,
  RESPONSE: 3,
  /** Names a GID once per ring so that packets carry small ids. */
  DEFINE_GID: 4,
  /** The producer no longer holds a shared buffer: the consumer may forget it. */
  DROP_SAB: 5,
} as const;

/** Offsets common to every record. */
export const Rec = {
  /** int32: record length in bytes (a multiple of `SLOT_BYTES`). */
  LEN: 0,
  /** int32: `Kind`. */
  KIND: 4,
} as const;

/** Byte offsets of a REQUEST record. */
export const Req = {
  DST_NODE: 8,
  SRC_NODE: 12,
  SRC_LID: 16,
  SRC_QPN: 20,
  DST_QPN: 24,
  OPCODE: 28,
  /** float64 */
  PSN: 32,
  IMM: 40,
  RKEY: 44,
  /** uint64 */
  REMOTE_ADDR: 48,
  READ_LEN: 56,
  QKEY: 60,
  /** uint64 */
  COMPARE_ADD: 64,
  /** uint64 */
  SWAP: 72,
  QP_TYPE: 80,
  /** bit 0: solicited; bits 16..31: the sender's P_Key */
  FLAGS: 84,
  PAY_LEN: 88,
  NSEG: 92,
  SEGS: 96,
} as const;

/** Byte offsets of a RESPONSE record. */
export const Resp = {
  DST_NODE: 8,
  DST_QPN: 12,
  /** float64 */
  PSN: 16,
  SYNDROME: 24,
  /** bit 0: carries data (RDMA READ); bit 1: `ATOMIC_ORIG` is set (non-zero). */
  FLAGS: 28,
  /** float64 */
  RNR_DELAY: 32,
  /** uint64 */
  ATOMIC_ORIG: 40,
  PAY_LEN: 48,
  NSEG: 52,
  SEGS: 56,
} as const;

/** Byte offsets of a DEFINE_GID record. */
export const Def = {
  ID: 8,
  /** 1: a node of the producer's thread; 0: a node of the consumer's. */
  OWN: 12,
  LEN: 16,
  TEXT: 20,
} as const;

/** Byte offsets of a DROP_SAB record. */
export const Drop = {
  ID: 8,
} as const;

/**
 * One payload segment (16 bytes): int32 source, uint32 length, float64
 * offset. Source 0: bytes inside this record (offset from the record
 * start); above 0: a buffer the producer shared; below 0: a one-use staging
 * buffer the consumer forgets after the record.
 */
export const Seg = {
  SOURCE: 0,
  LEN: 4,
  /** float64 */
  OFFSET: 8,
  BYTES: 16,
} as const;

/** Round `n` up to a multiple of `to` (a power of two). */
export function roundUp(n: number, to: number): number {
  return (n + to - 1) & ~(to - 1);
}
