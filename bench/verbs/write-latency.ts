import { WrOpcode, type SendWorkRequest } from '../../lib/index.js';
import { checkBatch, type Pacer } from '../core/pacer.js';
import type { PeerInfo, RunSpec } from '../core/messages.js';
import { nowUs } from '../core/clock.js';
import type { Rig } from './rig.js';
import type { Target } from './target.js';
import { nextEpoch } from './epoch.js';
import { SIGNAL_EVERY } from './send-latency.js';

/** The tag of iteration `i` (1..255, never 0, which is the reset value). */
function tagOf(i: number): number {
  return (i % 255) + 1;
}

/** The two forms of one RDMA write of `size` bytes into the peer's inbox. */
function writePair(rig: Rig, peer: PeerInfo, size: number): readonly [SendWorkRequest, SendWorkRequest] {
  const base: SendWorkRequest = {
    wrId: nextEpoch(), opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr: rig.mr, offset: rig.outboxOffset, length: size }],
    remoteAddr: BigInt(peer.memory.addr), rkey: peer.memory.rkey, inline: size <= rig.options.maxInline, signaled: false,
  };
  return [base, { ...base, signaled: true }];
}

/**
 * RDMA-write ping-pong (`ib_write_lat`): write `size` bytes whose last byte
 * is a tag into the peer's memory; the peer watches that byte and writes
 * back. One round-trip time (us) per measured iteration into `samples`.
 */
export async function runWriteLatency(rig: Rig, peer: PeerInfo, spec: RunSpec, pacer: Pacer, samples: Float64Array): Promise<void> {
  const { cq, qp, batch, inbox, outbox } = rig;
  const last = spec.size - 1;
  const [quiet, loud] = writePair(rig, peer, spec.size);
  const warm = spec.total - samples.length;
  const idle = pacer.idle;
  const spins = pacer.spins;
  inbox[last] = 0;
  for (let i = 0; i < spec.total; i++) {
    const tag = tagOf(i);
    outbox[last] = tag;
    const t0 = nowUs();
    qp.postSend(i % SIGNAL_EVERY === SIGNAL_EVERY - 1 ? loud : quiet);
    let s = 0;
    while (inbox[last] !== tag) {
      const n = cq.pollBatch(batch);
      if (n > 0) checkBatch(batch, n);
      idle();
      if (++s >= spins) {
        s = 0;
        await pacer.stall(null);
      }
    }
    const t1 = nowUs();
    if (i >= warm) samples[i - warm] = t1 - t0;
  }
}

/** The echoing side of the write ping-pong: watches its inbox's last byte and writes back. */
export class WriteLatencyTarget implements Target {
  readonly completionDriven = false;
  #count = 0;
  readonly #total: number;
  readonly #last: number;
  readonly #pair: readonly [SendWorkRequest, SendWorkRequest];

  /** @param peer the initiator, whose inbox this target writes back into */
  constructor(private readonly rig: Rig, peer: PeerInfo, spec: RunSpec) {
    this.#total = spec.total;
    this.#last = spec.size - 1;
    this.#pair = writePair(rig, peer, spec.size);
    rig.inbox[this.#last] = 0;
  }

  get done(): boolean { return this.#count >= this.#total; }

  step(): boolean {
    const rig = this.rig;
    const n = rig.cq.pollBatch(rig.batch);
    if (n > 0) checkBatch(rig.batch, n);
    const tag = tagOf(this.#count);
    if (rig.inbox[this.#last] !== tag) return n > 0;
    rig.outbox[this.#last] = tag;
    const pair = this.#pair;
    const c = this.#count++;
    rig.qp.postSend(c % SIGNAL_EVERY === SIGNAL_EVERY - 1 ? pair[1] : pair[0]);
    return true;
  }
}
