import { WcOpcode, WrOpcode, type SendWorkRequest } from '../../lib/index.js';
import { checkBatch, type Pacer } from '../core/pacer.js';
import type { PeerInfo, RunSpec } from '../core/messages.js';
import { nowUs } from '../core/clock.js';
import type { Rig } from './rig.js';
import type { Target } from './target.js';
import { nextEpoch } from './epoch.js';

/** Round a message count up to whole batches. */
export function wholeBatches(count: number, batch: number): number {
  return Math.ceil(count / batch) * batch;
}

/** Receives the send-bandwidth target keeps posted. */
export function sendRxDepth(spec: RunSpec): number {
  return Math.min(1024, 2 * spec.window + spec.batch);
}

/**
 * Streaming bandwidth (`ib_write_bw` / `ib_send_bw`): keep `spec.window`
 * requests in flight, posted `spec.batch` at a time as one array (the last
 * of each batch signaled), completions read with `pollBatch`. Streams
 * `spec.total - iters` messages of warm-up, then `iters` timed ones; RDMA
 * writes end with a zero-byte SEND that tells the target to stop.
 * @returns seconds the timed messages took, first post to last completion
 */
export async function runStreamBandwidth(rig: Rig, peer: PeerInfo, spec: RunSpec, pacer: Pacer, iters: number): Promise<number> {
  const epoch = nextEpoch();
  const write = spec.kind === 'write_bw';
  const one: SendWorkRequest = write
    ? {
      wrId: epoch, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr: rig.mr, offset: rig.outboxOffset, length: spec.size }],
      remoteAddr: BigInt(peer.memory.addr), rkey: peer.memory.rkey, signaled: false,
    }
    : { wrId: epoch, opcode: WrOpcode.SEND, sgList: [{ mr: rig.mr, offset: rig.outboxOffset, length: spec.size }], signaled: false };
  const batch: SendWorkRequest[] = new Array<SendWorkRequest>(spec.batch).fill(one);
  batch[spec.batch - 1] = { ...one, signaled: true };

  await stream(rig, batch, spec, pacer, epoch, spec.total - iters);
  const t0 = nowUs();
  await stream(rig, batch, spec, pacer, epoch, iters);
  const seconds = (nowUs() - t0) / 1e6;

  if (write) {
    rig.qp.postSend({ wrId: epoch, opcode: WrOpcode.SEND, sgList: [], signaled: true });
    let fin = 0;
    while (fin === 0) {
      const n = await pacer.next(rig.cq, rig.batch);
      for (let k = 0; k < n; k++) if (rig.batch.wrId(k) === epoch && rig.batch.opcode(k) === WcOpcode.SEND) fin++;
    }
  }
  return seconds;
}

async function stream(rig: Rig, wrs: readonly SendWorkRequest[], spec: RunSpec, pacer: Pacer, epoch: number, count: number): Promise<void> {
  const { qp, cq, batch } = rig;
  const per = wrs.length;
  const window = spec.window;
  const idle = pacer.idle;
  let posted = 0;
  let completed = 0;
  while (completed < count) {
    while (posted < count && posted - completed + per <= window) {
      qp.postSend(wrs);
      posted += per;
    }
    idle();
    let n = pacer.spinPoll(cq, batch);
    while (n === 0) {
      await pacer.stall(cq);
      n = pacer.spinPoll(cq, batch);
    }
    for (let k = 0; k < n; k++) if (batch.wrId(k) === epoch) completed += per;
  }
}

/** Polls until the CQ is empty (up to a bound); returns receive completions seen. @throws on a failed one. */
function drainRecvs(rig: Rig): number {
  let got = 0;
  for (let round = 0; round < 64; round++) {
    const n = rig.cq.pollBatch(rig.batch);
    if (n === 0) break;
    checkBatch(rig.batch, n);
    for (let k = 0; k < n; k++) if (rig.batch.opcode(k) === WcOpcode.RECV) got++;
    if (n < rig.batch.capacity) break;
  }
  return got;
}

/** The passive side of RDMA-write streaming: it only waits for the closing SEND. */
export class WriteBandwidthTarget implements Target {
  readonly completionDriven = true;
  #done = false;

  constructor(private readonly rig: Rig) {
    rig.topUpRecvs(1);
  }

  get done(): boolean { return this.#done; }

  step(): boolean {
    const got = drainRecvs(this.rig);
    if (got === 0) return false;
    this.rig.recvPosted -= got;
    this.#done = true;
    return true;
  }
}

/** The receiving side of send streaming: counts receives and reposts them in batches. */
export class SendBandwidthTarget implements Target {
  readonly completionDriven = true;
  #count = 0;
  readonly #total: number;
  readonly #depth: number;
  readonly #refill: number;

  constructor(private readonly rig: Rig, spec: RunSpec) {
    this.#total = spec.total;
    this.#depth = sendRxDepth(spec);
    this.#refill = Math.max(1, Math.min(64, spec.batch));
    rig.topUpRecvs(this.#depth);
  }

  get done(): boolean { return this.#count >= this.#total; }

  step(): boolean {
    const got = drainRecvs(this.rig);
    if (got === 0) return false;
    this.#count += got;
    this.rig.recvPosted -= got;
    if (this.rig.recvPosted <= this.#depth - this.#refill) this.rig.topUpRecvs(this.#depth);
    return true;
  }
}
