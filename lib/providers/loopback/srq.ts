import type { RecvWrSpec, SrqBackend } from '../../provider/spi.js';
import { queueFull } from './errors.js';

/** A loopback shared receive queue: receive requests taken by whichever QP needs one first. */
export class LoopSrq implements SrqBackend {
  #queue: RecvWrSpec[] = [];
  #head = 0;
  #closed = false;

  constructor(readonly pdId: number, readonly maxWr: number) {}

  get size(): number { return this.#queue.length - this.#head; }

  postRecv(wrs: readonly RecvWrSpec[]): void {
    if (this.size + wrs.length > this.maxWr) throw queueFull('ibv_post_srq_recv', 'shared receive queue', this.maxWr);
    for (const wr of wrs) this.#queue.push(wr);
  }

  take(): RecvWrSpec | undefined {
    if (this.#closed || this.#head >= this.#queue.length) return undefined;
    const wr = this.#queue[this.#head++]!;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return wr;
  }

  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
  }
}
