import { WcOpcode, WrOpcode, type SendWorkRequest } from '../../lib/index.js';
import { checkBatch, type Pacer } from '../core/pacer.js';
import type { RunSpec } from '../core/messages.js';
import { nowUs } from '../core/clock.js';
import type { Rig } from './rig.js';
import type { Target } from './target.js';
import { nextEpoch } from './epoch.js';

/** Receives kept posted on each side of a ping-pong. */
const RECV_DEPTH = 16;
/** One send in this many is signaled (the rest complete silently). */
export const SIGNAL_EVERY = 32;

/** The two forms of one send: unsignaled, and signaled (every `SIGNAL_EVERY`th). */
function sendPair(rig: Rig, size: number, epoch: number): readonly [SendWorkRequest, SendWorkRequest] {
  const base: SendWorkRequest = {
    wrId: epoch, opcode: WrOpcode.SEND, sgList: [{ mr: rig.mr, offset: rig.outboxOffset, length: size }],
    inline: size <= rig.options.maxInline, signaled: false,
  };
  return [base, { ...base, signaled: true }];
}

/**
 * Send/receive ping-pong (`ib_send_lat`): send `size` bytes, wait for the
 * peer's reply, repeat. Writes one round-trip time (us) per measured
 * iteration into `samples`; the first `spec.total - samples.length` are warm-up.
 */
export async function runSendLatency(rig: Rig, spec: RunSpec, pacer: Pacer, samples: Float64Array): Promise<void> {
  const { cq, qp, batch } = rig;
  const [quiet, loud] = sendPair(rig, spec.size, nextEpoch());
  const warm = spec.total - samples.length;
  rig.topUpRecvs(RECV_DEPTH);
  for (let i = 0; i < spec.total; i++) {
    const t0 = nowUs();
    qp.postSend(i % SIGNAL_EVERY === SIGNAL_EVERY - 1 ? loud : quiet);
    let got = 0;
    while (got === 0) {
      let n = pacer.spinPoll(cq, batch);
      while (n === 0) {
        await pacer.stall(cq);
        n = pacer.spinPoll(cq, batch);
      }
      for (let k = 0; k < n; k++) if (batch.opcode(k) === WcOpcode.RECV) got++;
    }
    const t1 = nowUs();
    rig.recvPosted -= got;
    rig.topUpRecvs(RECV_DEPTH);
    if (i >= warm) samples[i - warm] = t1 - t0;
  }
}

/** The echoing side of the send ping-pong: each message received is answered at once. */
export class SendLatencyTarget implements Target {
  readonly completionDriven = true;
  #count = 0;
  readonly #total: number;
  readonly #quiet: SendWorkRequest;
  readonly #loud: SendWorkRequest;

  constructor(private readonly rig: Rig, spec: RunSpec) {
    this.#total = spec.total;
    [this.#quiet, this.#loud] = sendPair(rig, spec.size, nextEpoch());
    rig.topUpRecvs(RECV_DEPTH);
  }

  get done(): boolean { return this.#count >= this.#total; }

  step(): boolean {
    const rig = this.rig;
    const n = rig.cq.pollBatch(rig.batch);
    if (n === 0) return false;
    checkBatch(rig.batch, n);
    let got = 0;
    for (let k = 0; k < n; k++) {
      if (rig.batch.opcode(k) !== WcOpcode.RECV) continue;
      const c = this.#count++;
      rig.qp.postSend(c % SIGNAL_EVERY === SIGNAL_EVERY - 1 ? this.#loud : this.#quiet);
      got++;
    }
    if (got > 0) {
      rig.recvPosted -= got;
      rig.topUpRecvs(RECV_DEPTH);
    }
    return true;
  }
}
