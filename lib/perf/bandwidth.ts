import { WrOpcode, type WrOpcodeValue } from '../constants/wr-opcode.js';
import { WcOpcode } from '../constants/wc-opcode.js';
import type { RecvWorkRequest, SendWorkRequest } from '../types/work-request.js';
import { checkBatch, type Pacer } from './pacer.js';
import { nowUs } from './clock.js';
import type { PerfRig } from './rig.js';
import type { PeerKeys } from './wire/keys.js';
import type { PerfVerb } from './tests.js';

/** What one bandwidth test at one size needs (the sending side). */
export interface BandwidthStep {
  readonly rig: PerfRig;
  /** The peer's record per QP. */
  readonly peers: readonly PeerKeys[];
  readonly verb: PerfVerb;
  readonly size: number;
  /** Messages per QP; in a timed run, the most per QP. */
  readonly iters: number;
  /** Stop posting after this many seconds (a timed run, `-D`). */
  readonly durationS?: number;
  /** Work requests in flight per QP. */
  readonly txDepth: number;
  /** Work requests per post call. */
  readonly postList: number;
  /** Signal every this many work requests (a multiple of `postList`). */
  readonly cqMod: number;
  readonly pacer: Pacer;
}

/** Per-message post and completion times (us), in post order over all QPs. */
export interface BandwidthTimes {
  readonly posted: Float64Array;
  readonly completed: Float64Array;
  /** Messages sent and completed. */
  readonly count: number;
}

function opcodeOf(verb: PerfVerb): WrOpcodeValue {
  if (verb === 'write') return WrOpcode.RDMA_WRITE;
  if (verb === 'read') return WrOpcode.RDMA_READ;
  if (verb === 'atomic') return WrOpcode.ATOMIC_FETCH_AND_ADD;
  return WrOpcode.SEND;
}

/**
 * Stream `iters` messages per QP, at most `txDepth` in flight per QP, one
 * signaled completion every `cqMod`. The global post order indexes the
 * times; a completion of QP q stamps every message of q it covers.
 * @throws WorkCompletionError for a failed completion; RdmaError `ERR_TIMEOUT` when nothing completes.
 */
export async function runBandwidth(step: BandwidthStep): Promise<BandwidthTimes> {
  const { rig, peers, size, iters, txDepth, postList, cqMod, pacer } = step;
  const nq = rig.qps.length;
  const total = iters * nq;
  const posted = new Float64Array(total);
  const completed = new Float64Array(total);
  const opcode = opcodeOf(step.verb);
  const scnt = new Array<number>(nq).fill(0);
  const ccnt = new Array<number>(nq).fill(0);
  /** Global index of QP q's message k: kept per QP as a ring of its in-flight messages. */
  const order: Int32Array[] = Array.from({ length: nq }, () => new Int32Array(iters));
  const limit = new Array<number>(nq).fill(iters);
  const base = rig.qps.map((_, q): SendWorkRequest => {
    const wr: SendWorkRequest = {
      wrId: 0, opcode, sgList: [{ mr: rig.mr, offset: rig.localOffset(q), length: size }],
      inline: opcode === WrOpcode.SEND || opcode === WrOpcode.RDMA_WRITE ? size <= rig.plan.inline : false, signaled: false,
    };
    if (opcode === WrOpcode.SEND) return wr;
    if (opcode === WrOpcode.ATOMIC_FETCH_AND_ADD) return { ...wr, remoteAddr: peers[q]!.vaddr, rkey: peers[q]!.rkey, compareAdd: 1n };
    return { ...wr, remoteAddr: peers[q]!.vaddr, rkey: peers[q]!.rkey };
  });
  /** Stamp every message the `n` completions in the batch cover with time `t`; returns how many. */
  const stamp = (n: number, t: number): number => {
    let covered = 0;
    for (let i = 0; i < n; i++) {
      const id = rig.batch.wrId(i);
      const q = Math.floor(id / iters);
      const k = id - q * iters;
      for (let c = ccnt[q]!; c <= k; c++) completed[order[q]![c]!] = t;
      covered += k + 1 - ccnt[q]!;
      ccnt[q] = k + 1;
    }
    return covered;
  };
  const deadline = step.durationS === undefined ? Number.POSITIVE_INFINITY : nowUs() + step.durationS * 1e6;
  let next = 0;
  let done = 0;
  let empty = 0;
  const list: SendWorkRequest[] = [];
  while (done < next || next < total) {
    let progressed = false;
    for (let q = 0; q < nq; q++) {
      while (scnt[q]! < limit[q]! && scnt[q]! - ccnt[q]! + postList <= txDepth) {
        if (nowUs() >= deadline && scnt[q]! % cqMod === 0) {
          limit[q] = scnt[q]!;
          break;
        }
        list.length = 0;
        const t = nowUs();
        for (let j = 0; j < postList && scnt[q]! < limit[q]!; j++) {
          const k = scnt[q]!;
          scnt[q] = k + 1;
          order[q]![k] = next;
          posted[next++] = t;
          list.push({ ...base[q]!, wrId: q * iters + k, signaled: (k + 1) % cqMod === 0 || k + 1 === limit[q] });
        }
        rig.qps[q]!.postSend(list.length === 1 ? list[0]! : list);
        progressed = true;
      }
    }
    const n = rig.cq.pollBatch(rig.batch);
    if (n > 0) {
      checkBatch(rig.batch, n);
      const t = nowUs();
      done += stamp(n, t);
      empty = 0;
    } else if (!progressed && ++empty >= pacer.spins) {
      empty = 0;
      await pacer.stall(rig.cq);
    }
    if (next < total && limit.every((l, q) => scnt[q]! >= l)) break;
  }
  while (done < next) {
    const n = await pacer.next(rig.cq, rig.batch);
    const t = nowUs();
    done += stamp(n, t);
  }
  return { posted, completed, count: next };
}

/**
 * The receiving side of `send_bw`: keep `depth` receives posted per QP and
 * count `iters` messages per QP. Returns each message's arrival time (us)
 * as both post and completion time (the receiver sees only arrivals).
 * @throws WorkCompletionError for a failed completion; RdmaError `ERR_TIMEOUT` when nothing arrives.
 */
export async function receiveBandwidth(rig: PerfRig, iters: number, pacer: Pacer): Promise<BandwidthTimes> {
  const total = iters * rig.qps.length;
  const arrived = new Float64Array(total);
  const recvs = rig.qps.map((_, q): RecvWorkRequest => ({ wrId: q, sgList: [{ mr: rig.mr, offset: rig.remoteOffset(q), length: rig.plan.bufferSize }] }));
  const wanted = new Array<number>(rig.qps.length).fill(iters - rig.plan.recvDepth);
  let count = 0;
  while (count < total) {
    const n = await pacer.next(rig.cq, rig.batch);
    const t = nowUs();
    for (let i = 0; i < n; i++) {
      if (rig.batch.opcode(i) !== WcOpcode.RECV) continue;
      arrived[count++] = t;
      const q = rig.batch.wrId(i);
      if (wanted[q]! > 0) {
        wanted[q]!--;
        rig.qps[q]!.postRecv(recvs[q]!);
      }
    }
  }
  return { posted: arrived, completed: arrived, count };
}

/** Post the receives `receiveBandwidth` starts with (before the sync handshake). */
export function postBandwidthRecvs(rig: PerfRig, iters: number): void {
  for (let q = 0; q < rig.qps.length; q++) {
    const wr: RecvWorkRequest = { wrId: q, sgList: [{ mr: rig.mr, offset: rig.remoteOffset(q), length: rig.plan.bufferSize }] };
    rig.qps[q]!.postRecv(new Array<RecvWorkRequest>(Math.min(iters, rig.plan.recvDepth)).fill(wr));
  }
}
