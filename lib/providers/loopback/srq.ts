import type { RecvWrSpec, SrqBackend } from '../../provider/spi.js';
import { queueFull } from './errors.js';
import { Fifo } from './fifo.js';
import { copyRecvWrSpec } from '../../provider/spec-copy.js';

/** A loopback shared receive queue: receive requests taken by whichever QP needs one first. */
export class LoopSrq implements SrqBackend {
  readonly #queue = new Fifo<RecvWrSpec>();
  #closed = false;

  constructor(readonly pdId: number, readonly maxWr: number) {}

  get size(): number { return this.#queue.size; }

  postRecv(wrs: readonly RecvWrSpec[]): void {
    if (this.size + wrs.length > this.maxWr) throw queueFull('ibv_post_srq_recv', 'shared receive queue', this.maxWr);
    for (const wr of wrs) this.#queue.push(copyRecvWrSpec(wr));
  }

  take(): RecvWrSpec | undefined {
    return this.#closed ? undefined : this.#queue.take();
  }

  close(): void {
    this.#closed = true;
    this.#queue.clear();
  }
}
