import { WcOpcode } from '../constants/wc-opcode.js';
import { WrOpcode, type WrOpcodeValue } from '../constants/wr-opcode.js';
import type { RecvWorkRequest, SendWorkRequest } from '../types/work-request.js';
import { checkBatch, type Pacer } from './pacer.js';
import { nowUs } from './clock.js';
import type { PerfRig } from './rig.js';
import type { PeerKeys } from './wire/keys.js';
import type { PerfVerb } from './tests.js';

/** Which end: perftest's server answers first in send ping-pongs and writes first in write ping-pongs. */
export type PerfRole = 'client' | 'server';

/** One send in this many is signaled in ping-pongs (the rest complete silently). */
const SIGNAL_EVERY = 32;
/** Receives kept posted in the send ping-pong. */
export const LAT_RECV_DEPTH = 16;

/** What one latency test at one size needs. */
export interface LatencyStep {
  readonly rig: PerfRig;
  readonly peer: PeerKeys;
  readonly verb: PerfVerb;
  readonly role: PerfRole;
  readonly size: number;
  readonly iters: number;
  readonly pacer: Pacer;
}

function sendWr(step: LatencyStep, opcode: WrOpcodeValue, signaled: boolean, wrId: number): SendWorkRequest {
  const { rig, peer, size } = step;
  const wr: SendWorkRequest = {
    wrId, opcode, sgList: [{ mr: rig.mr, offset: rig.localOffset(0), length: size }],
    inline: size <= rig.plan.inline && (opcode === WrOpcode.SEND || opcode === WrOpcode.RDMA_WRITE), signaled,
  };
  if (opcode === WrOpcode.SEND) return wr;
  if (opcode === WrOpcode.ATOMIC_FETCH_AND_ADD) return { ...wr, remoteAddr: peer.vaddr, rkey: peer.rkey, compareAdd: 1n };
  return { ...wr, remoteAddr: peer.vaddr, rkey: peer.rkey };
}

/** A receive of up to one buffer into the offered buffer. */
export function recvWr(rig: PerfRig, qp: number): RecvWorkRequest {
  return { wrId: qp, sgList: [{ mr: rig.mr, offset: rig.remoteOffset(qp), length: rig.plan.bufferSize }] };
}

/** Post receives on QP 0 for the send ping-pong (before the sync handshake, as perftest does). */
export function postLatencyRecvs(rig: PerfRig): void {
  rig.qps[0]!.postRecv(new Array<RecvWorkRequest>(LAT_RECV_DEPTH).fill(recvWr(rig, 0)));
}

/**
 * Run one latency test; returns the post time (us) of each iteration.
 * Send: ping-pong, the client sends first. Write: ping-pong through memory
 * (each side watches the last byte of its offered buffer for the
 * iteration's count), the server writes first. Read and atomic: the client
 * alone, one request at a time.
 * @throws WorkCompletionError for a failed completion; RdmaError `ERR_TIMEOUT` when the peer stalls.
 */
export async function runLatency(step: LatencyStep): Promise<Float64Array> {
  const posted = new Float64Array(step.iters);
  if (step.verb === 'send') await sendPingPong(step, posted);
  else if (step.verb === 'write') await writePingPong(step, posted);
  else await oneSided(step, posted);
  return posted;
}

async function sendPingPong(step: LatencyStep, posted: Float64Array): Promise<void> {
  const { rig, pacer, iters, role } = step;
  const qp = rig.qps[0]!;
  const quiet = sendWr(step, WrOpcode.SEND, false, 1);
  const loud = sendWr(step, WrOpcode.SEND, true, 2);
  const recv = recvWr(rig, 0);
  const seen = { recvs: 0, sends: 0 };
  let scnt = 0;
  let rcnt = 0;
  while (scnt < iters || rcnt < iters) {
    if (rcnt < iters && !(scnt < 1 && role === 'client')) {
      rcnt++;
      await pollUntil(step, seen, () => seen.recvs >= rcnt);
      qp.postRecv(recv);
    }
    if (scnt < iters) {
      posted[scnt] = nowUs();
      scnt++;
      qp.postSend(scnt % SIGNAL_EVERY === 0 || scnt === iters ? loud : quiet);
    }
  }
  await pollUntil(step, seen, () => seen.sends >= signaledOf(iters));
}

/** Poll, counting receive and other completions into `seen`, until `done()`. */
async function pollUntil(step: LatencyStep, seen: { recvs: number; sends: number }, done: () => boolean): Promise<void> {
  const { rig, pacer } = step;
  let empty = 0;
  while (!done()) {
    const n = rig.cq.pollBatch(rig.batch);
    if (n === 0) {
      if (++empty >= pacer.spins) { empty = 0; await pacer.stall(rig.cq); }
      continue;
    }
    checkBatch(rig.batch, n);
    for (let k = 0; k < n; k++) {
      if (rig.batch.opcode(k) === WcOpcode.RECV) seen.recvs++;
      else seen.sends++;
    }
  }
}

async function writePingPong(step: LatencyStep, posted: Float64Array): Promise<void> {
  const { rig, pacer, iters, role, size } = step;
  const qp = rig.qps[0]!;
  const quiet = sendWr(step, WrOpcode.RDMA_WRITE, false, 1);
  const loud = sendWr(step, WrOpcode.RDMA_WRITE, true, 2);
  const buf = rig.buffer;
  const watch = rig.remoteOffset(0) + size - 1;
  const mark = rig.localOffset(0) + size - 1;
  const seen = { recvs: 0, sends: 0 };
  let scnt = 0;
  let rcnt = 0;
  while (scnt < iters || rcnt < iters) {
    if (rcnt < iters && !(scnt < 1 && role === 'server')) {
      rcnt++;
      const want = rcnt & 0xff;
      let empty = 0;
      while (Atomics.load(buf, watch) !== want) {
        const n = rig.cq.pollBatch(rig.batch);
        if (n > 0) {
          checkBatch(rig.batch, n);
          seen.sends += n;
        } else if (++empty >= pacer.spins) {
          empty = 0;
          await pacer.stall(null);
        }
      }
    }
    if (scnt < iters) {
      posted[scnt] = nowUs();
      scnt++;
      buf[mark] = scnt & 0xff;
      qp.postSend(scnt % SIGNAL_EVERY === 0 || scnt === iters ? loud : quiet);
    }
  }
  await pollUntil(step, seen, () => seen.sends >= signaledOf(iters));
}

/** Signaled sends among `iters` (every `SIGNAL_EVERY`th and the last). */
function signaledOf(iters: number): number {
  return Math.floor(iters / SIGNAL_EVERY) + (iters % SIGNAL_EVERY === 0 ? 0 : 1);
}

async function oneSided(step: LatencyStep, posted: Float64Array): Promise<void> {
  const { rig, iters } = step;
  const qp = rig.qps[0]!;
  const wr = sendWr(step, step.verb === 'read' ? WrOpcode.RDMA_READ : WrOpcode.ATOMIC_FETCH_AND_ADD, true, 3);
  const seen = { recvs: 0, sends: 0 };
  for (let i = 0; i < iters; i++) {
    posted[i] = nowUs();
    qp.postSend(wr);
    await pollUntil(step, seen, () => seen.sends > i);
  }
}
