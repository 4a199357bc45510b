import type { CqBackend } from '../../provider/spi.js';
import { WcBatch, WC_STRIDE, WcField } from '../../wc-batch.js';
import { RdmaError } from '../../errors/rdma-error.js';

/** Fields of one completion as the engine produces it. */
export interface CompletionFields {
  wrId: number;
  status: number;
  opcode: number;
  byteLen: number;
  imm: number;
  qpNum: number;
  srcQp: number;
  wcFlags: number;
  slid: number;
}

/**
 * A loopback completion queue: a fixed ring of `depth` slots in typed
 * arrays. Pushing into a full ring is an overrun: the CQ fails (polls throw
 * `ERR_CQ_OVERRUN`) and `onOverrun` tells the context, never a silent drop.
 */
export class LoopCq implements CqBackend {
  readonly depth: number;
  readonly #ring: WcBatch;
  #head = 0;
  #count = 0;
  #overrun = false;
  #closed = false;
  #waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  /** Called once, on the first overrun. */
  onOverrun: (() => void) | null = null;
  /** Called before each poll to let transports deliver pending packets. */
  progress: (() => void) | null = null;
  /** Whether a transport delivers without this thread's event loop (shared memory between threads). */
  spinnable: (() => boolean) | null = null;
  /** Called when the first waiter arrives (true) and when the waiters are released (false). */
  onWaiting: ((waiting: boolean) => void) | null = null;

  constructor(depth: number) {
    this.depth = depth;
    this.#ring = new WcBatch(depth);
  }

  get overrun(): boolean { return this.#overrun; }
  get count(): number { return this.#count; }

  push(c: CompletionFields): void {
    if (this.#closed || this.#overrun) return;
    if (this.#count === this.depth) {
      this.#overrun = true;
      this.onOverrun?.();
      this.#wake();
      return;
    }
    const slot = (this.#head + this.#count) % this.depth;
    this.#count++;
    this.#ring.wrIds[slot] = c.wrId;
    const f = this.#ring.fields;
    const b = slot * WC_STRIDE;
    f[b + WcField.STATUS] = c.status;
    f[b + WcField.OPCODE] = c.opcode;
    f[b + WcField.BYTE_LEN] = c.byteLen;
    f[b + WcField.IMM] = c.imm;
    f[b + WcField.QP_NUM] = c.qpNum;
    f[b + WcField.SRC_QP] = c.srcQp;
    f[b + WcField.WC_FLAGS] = c.wcFlags;
    f[b + WcField.SLID] = c.slid;
    f[b + WcField.VENDOR_ERR] = 0;
    if (this.#waiters.length > 0) this.#wake();
  }

  poll(batch: WcBatch, max: number): number {
    this.progress?.();
    if (this.#overrun) throw overrunError(this.depth);
    const n = Math.min(max, this.#count);
    const src = this.#ring;
    for (let i = 0; i < n; i++) {
      const slot = (this.#head + i) % this.depth;
      batch.wrIds[i] = src.wrIds[slot]!;
      batch.fields.set(src.fields.subarray(slot * WC_STRIDE, slot * WC_STRIDE + WC_STRIDE), i * WC_STRIDE);
    }
    this.#head = (this.#head + n) % this.depth;
    this.#count -= n;
    return n;
  }

  /** Remove and return every waiting completion, oldest first (they move with a QP to another process). */
  takeAll(): CompletionFields[] {
    const out: CompletionFields[] = [];
    const f = this.#ring.fields;
    for (let i = 0; i < this.#count; i++) {
      const slot = (this.#head + i) % this.depth;
      const b = slot * WC_STRIDE;
      out.push({
        wrId: this.#ring.wrIds[slot]!, status: f[b + WcField.STATUS]!, opcode: f[b + WcField.OPCODE]!, byteLen: f[b + WcField.BYTE_LEN]!,
        imm: f[b + WcField.IMM]!, qpNum: f[b + WcField.QP_NUM]!, srcQp: f[b + WcField.SRC_QP]!, wcFlags: f[b + WcField.WC_FLAGS]!, slid: f[b + WcField.SLID]!,
      });
    }
    this.#head = 0;
    this.#count = 0;
    return out;
  }

  /** True when a poll would return a completion or throw (lets transports deliver first). */
  ready(): boolean {
    this.progress?.();
    return this.#count > 0 || this.#overrun || this.#closed;
  }

  /**
   * Only completions from other threads can come during a spin (through
   * shared memory); this thread's own come inside its posts, other
   * processes' on its event loop.
   */
  canSpin(): boolean {
    return this.spinnable?.() ?? false;
  }

  waitForCompletion(): Promise<void> {
    this.progress?.();
    if (this.#overrun) return Promise.reject(overrunError(this.depth));
    if (this.#count > 0 || this.#closed) return Promise.resolve();
    if (this.#waiters.length === 0) this.onWaiting?.(true);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  close(): void {
    this.#closed = true;
    this.#wake();
  }

  #wake(): void {
    const ws = this.#waiters;
    this.#waiters = [];
    if (ws.length > 0) this.onWaiting?.(false);
    for (const w of ws) {
      if (this.#overrun) w.reject(overrunError(this.depth));
      else w.resolve();
    }
  }
}

function overrunError(depth: number): RdmaError {
  return new RdmaError('ERR_CQ_OVERRUN', `completion queue overrun: more than ${depth} completions were waiting; the CQ and its queue pairs are in error (poll more often or create a deeper CQ)`);
}
