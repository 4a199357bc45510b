import { medianRun, type LatencySummary } from '../core/stats.js';
import { bufferCopyBandwidth, typedArraySetBandwidth, type CopyFigure } from './memory-copy.js';
import { SocketPeer, type SocketStreamFigure } from './unix-socket.js';
import { atomicsPingPong } from './atomics-pingpong.js';

/** A measured round trip (us) for one message size. */
export interface RttFigure {
  readonly size: number;
  readonly iters: number;
  readonly rtt: LatencySummary;
}

/** The limits measured in the same run as the verbs figures. */
export interface Baselines {
  readonly copy: readonly CopyFigure[];
  readonly set: readonly CopyFigure[];
  readonly socketStream: readonly SocketStreamFigure[];
  /** Raw socket round trips, both processes sleeping in the kernel between messages. */
  readonly socketPingPong: readonly RttFigure[];
  /** The same with both event loops kept turning (no sleep, no wake-up). */
  readonly socketPingPongBusy: readonly RttFigure[];
  readonly atomics: RttFigure | null;
  /** What could not be measured, and why. */
  readonly errors: readonly string[];
}

/** What to measure. */
export interface BaselinePlan {
  /** Sizes for the bandwidth limits (empty: skip them). */
  readonly bwSizes: readonly number[];
  /** Sizes for the round-trip limits (empty: skip them). */
  readonly latSizes: readonly number[];
  /** Iterations for a round-trip size. */
  readonly latIters: (size: number) => number;
  /** Iterations for a socket stream size. */
  readonly bwIters: (size: number) => number;
  /** Bytes each copy measurement moves at most. */
  readonly copyBudget: number;
  readonly repeat: number;
  readonly atomics: boolean;
  /** Longest time one ping-pong measurement may take (it stops early, with fewer iterations). */
  readonly pingPongBudgetMs: number;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Measure the limits; never throws (failures are listed in `errors`). */
export async function runBaselines(plan: BaselinePlan, log: (line: string) => void): Promise<Baselines> {
  const copy: CopyFigure[] = [];
  const set: CopyFigure[] = [];
  const socketStream: SocketStreamFigure[] = [];
  const socketPingPong: RttFigure[] = [];
  const socketPingPongBusy: RttFigure[] = [];
  const errors: string[] = [];
  let atomics: RttFigure | null = null;

  if (plan.bwSizes.length > 0) log('baselines: Buffer.copy and TypedArray.set bandwidth');
  for (const size of plan.bwSizes) {
    copy.push(bufferCopyBandwidth(size, plan.copyBudget, 2_000_000, plan.repeat));
    set.push(typedArraySetBandwidth(size, plan.copyBudget, 2_000_000, plan.repeat));
  }

  if (plan.bwSizes.length > 0 || plan.latSizes.length > 0) {
    log('baselines: raw Unix-socket stream and ping-pong between two processes');
    let peer: SocketPeer | null = null;
    try {
      peer = await SocketPeer.start();
      for (const size of plan.bwSizes) socketStream.push(await peer.stream(size, plan.bwIters(size), plan.repeat));
      const first = plan.latSizes[0];
      if (first !== undefined) await peer.pingPong(first, plan.latIters(first), 0, false, plan.pingPongBudgetMs);
      for (const size of plan.latSizes) {
        const iters = plan.latIters(size);
        const warm = Math.min(1000, Math.ceil(iters / 10));
        for (const busy of [false, true]) {
          const runs: Array<{ rtt: LatencySummary; iters: number }> = [];
          for (let r = 0; r < plan.repeat; r++) runs.push(await peer.pingPong(size, iters, warm, busy, plan.pingPongBudgetMs));
          const mid = medianRun(runs, (x) => x.rtt.typical);
          (busy ? socketPingPongBusy : socketPingPong).push({ size, iters: mid.iters, rtt: mid.rtt });
        }
      }
    } catch (err) {
      errors.push(`unix socket: ${message(err)}`);
    } finally {
      await peer?.close();
    }
  }

  if (plan.atomics) {
    log('baselines: Atomics spin ping-pong between two threads');
    try {
      const iters = plan.latIters(2);
      const runs: Array<{ rtt: LatencySummary; iters: number }> = [];
      for (let r = 0; r < plan.repeat; r++) runs.push(await atomicsPingPong(iters, Math.min(1000, Math.ceil(iters / 10))));
      const mid = medianRun(runs, (x) => x.rtt.typical);
      atomics = { size: 4, iters: mid.iters, rtt: mid.rtt };
    } catch (err) {
      errors.push(`atomics ping-pong: ${message(err)}`);
    }
  }
  return { copy, set, socketStream, socketPingPong, socketPingPongBusy, atomics, errors };
}
