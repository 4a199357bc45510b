import { Kind, RING_CTRL_BYTES, Rec, RingWord, SLOT_BYTES } from './layout.js';

/**
 * A single-producer, single-consumer ring of records in a
 * SharedArrayBuffer: `RING_CTRL_BYTES` of control words, then a data area
 * of `capacity` bytes (a power of two). A record fills whole slots and never
 * wraps: a PAD record fills the end of the data area instead.
 */
export class Ring {
  readonly sab: SharedArrayBuffer;
  readonly ctrl: Int32Array;
  readonly capacity: number;
  readonly mask: number;
  /** Views over the data area. */
  readonly bytes: Uint8Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly u64: BigUint64Array;

  /**
   * @param sab a ring's buffer (made by `Ring.create` here or in another thread).
   * @throws RangeError when the buffer is too small to be a ring or its data area is not a power of two.
   */
  constructor(sab: SharedArrayBuffer) {
    const capacity = sab.byteLength - RING_CTRL_BYTES;
    if (capacity < SLOT_BYTES * 4 || (capacity & (capacity - 1)) !== 0) throw new RangeError(`not a ring buffer (${sab.byteLength} bytes)`);
    this.sab = sab;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.ctrl = new Int32Array(sab, 0, RING_CTRL_BYTES / 4);
    this.bytes = new Uint8Array(sab, RING_CTRL_BYTES, capacity);
    this.i32 = new Int32Array(sab, RING_CTRL_BYTES, capacity / 4);
    this.f64 = new Float64Array(sab, RING_CTRL_BYTES, capacity / 8);
    this.u64 = new BigUint64Array(sab, RING_CTRL_BYTES, capacity / 8);
  }

  /** A new, empty ring with `capacity` data bytes (a power of two, at least 256). */
  static create(capacity: number): Ring {
    return new Ring(new SharedArrayBuffer(RING_CTRL_BYTES + capacity));
  }

  get closed(): boolean {
    return Atomics.load(this.ctrl, RingWord.CLOSED) !== 0;
  }

  /** Give the ring up: both sides stop using it. */
  close(): void {
    Atomics.store(this.ctrl, RingWord.CLOSED, 1);
  }
}

/** The producer's side of a ring (one thread). */
export class RingWriter {
  readonly ring: Ring;
  #head: number;
  #tail: number;

  constructor(ring: Ring) {
    this.ring = ring;
    this.#head = Atomics.load(ring.ctrl, RingWord.HEAD);
    this.#tail = Atomics.load(ring.ctrl, RingWord.TAIL);
  }

  /**
   * Reserve room for a record of `bytes` (a multiple of `SLOT_BYTES`, at
   * most half the capacity) and return its offset in the data area, or -1
   * when the ring lacks room. Nothing is visible to the consumer before `publish()`.
   */
  reserve(bytes: number): number {
    const r = this.ring;
    let pos = this.#head & r.mask;
    const pad = pos + bytes > r.capacity ? r.capacity - pos : 0;
    const need = pad + bytes;
    if (r.capacity - ((this.#head - this.#tail) | 0) < need) {
      this.#tail = Atomics.load(r.ctrl, RingWord.TAIL);
      if (r.capacity - ((this.#head - this.#tail) | 0) < need) return -1;
    }
    if (pad > 0) {
      r.i32[pos >> 2] = pad;
      r.i32[(pos >> 2) + 1] = Kind.PAD;
      this.#head = (this.#head + pad) | 0;
      pos = 0;
    }
    this.#head = (this.#head + bytes) | 0;
    return pos;
  }

  /** The write position, to undo reservations with `rollback`. */
  mark(): number {
    return this.#head;
  }

  /** Forget the reservations made since `mark` (they were never published). */
  rollback(mark: number): void {
    this.#head = mark;
  }

  /** Make every reserved record visible to the consumer. */
  publish(): void {
    Atomics.store(this.ring.ctrl, RingWord.HEAD, this.#head);
  }

  /**
   * Ask the consumer to ring this thread's doorbell when it frees room.
   * Returns true when room was freed meanwhile (try again at once).
   */
  wantSpace(): boolean {
    const ctrl = this.ring.ctrl;
    Atomics.store(ctrl, RingWord.WANT_SPACE, 1);
    const tail = Atomics.load(ctrl, RingWord.TAIL);
    if (tail === this.#tail) return false;
    this.#tail = tail;
    return true;
  }
}

/** The consumer's side of a ring (one thread). */
export class RingReader {
  readonly ring: Ring;
  #tail: number;
  #head: number;

  constructor(ring: Ring) {
    this.ring = ring;
    this.#tail = Atomics.load(ring.ctrl, RingWord.TAIL);
    this.#head = this.#tail;
  }

  /** The offset of the next record (PAD records skipped), or -1 when the ring is empty. */
  next(): number {
    const r = this.ring;
    for (;;) {
      if (this.#tail === this.#head) {
        this.#head = Atomics.load(r.ctrl, RingWord.HEAD);
        if (this.#tail === this.#head) return -1;
      }
      const pos = this.#tail & r.mask;
      const w = pos >> 2;
      if (r.i32[w + 1] !== Kind.PAD) return pos;
      this.#tail = (this.#tail + r.i32[w + Rec.LEN / 4]!) | 0;
      Atomics.store(r.ctrl, RingWord.TAIL, this.#tail);
    }
  }

  /** Consume the record at hand (`len` bytes). Returns true when its producer waits for room. */
  release(len: number): boolean {
    const ctrl = this.ring.ctrl;
    this.#tail = (this.#tail + len) | 0;
    Atomics.store(ctrl, RingWord.TAIL, this.#tail);
    if (Atomics.load(ctrl, RingWord.WANT_SPACE) === 0) return false;
    Atomics.store(ctrl, RingWord.WANT_SPACE, 0);
    return true;
  }
}
