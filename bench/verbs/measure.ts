import type { RunSpec, TestKind } from '../core/messages.js';
import { Pacer, type PollMode } from '../core/pacer.js';
import { median, medianRun, summarise, type LatencySummary } from '../core/stats.js';
import type { Session } from './session.js';
import { runSendLatency } from './send-latency.js';
import { runWriteLatency } from './write-latency.js';
import { runStreamBandwidth, wholeBatches } from './stream-bandwidth.js';

/** What to measure for one test and size. */
export interface TestPlan {
  readonly kind: TestKind;
  readonly size: number;
  /** Timed iterations. */
  readonly iters: number;
  /** Untimed iterations first. */
  readonly warm: number;
  readonly window: number;
  readonly batch: number;
  /** How the initiator waits. */
  readonly mode: PollMode;
  /** How the target waits (default: as the initiator). */
  readonly targetMode?: PollMode;
  readonly timeoutMs: number;
  /** Measure this many times; report the median. */
  readonly repeat: number;
}

/** One figure: a latency (round trip) or a bandwidth, or why it could not be measured. */
export interface Measurement {
  readonly kind: TestKind;
  readonly size: number;
  readonly iters: number;
  readonly runs: number;
  /** Round-trip times in microseconds (latency tests): the run with the median t_typical. */
  readonly latency?: LatencySummary;
  /** MiB/s (perftest's "MB/sec"), median of runs (bandwidth tests). */
  readonly mbps?: number;
  /** Million messages per second, median of runs. */
  readonly mpps?: number;
  /** Every run's headline figure (t_typical or MB/s), for the record. */
  readonly each: readonly number[];
  /** `cq.wait()` calls that missed their wake-up (both sides, all runs); see `Pacer`. */
  readonly lostWakeups: number;
  readonly error?: string;
}

export function isLatency(kind: TestKind): boolean {
  return kind === 'send_lat' || kind === 'write_lat';
}

interface Run {
  latency?: LatencySummary;
  mbps?: number;
  mpps?: number;
  lostWakeups: number;
}

async function once(session: Session, plan: TestPlan): Promise<Run> {
  const latency = isLatency(plan.kind);
  const iters = latency ? plan.iters : wholeBatches(plan.iters, plan.batch);
  const warm = latency ? plan.warm : wholeBatches(plan.warm, plan.batch);
  const spec: RunSpec = {
    kind: plan.kind, size: plan.size, total: iters + warm, window: plan.window, batch: plan.batch, mode: plan.targetMode ?? plan.mode, timeoutMs: plan.timeoutMs,
  };
  const idle = await session.start(spec);
  const pacer = new Pacer(plan.mode, idle, plan.timeoutMs, `${plan.kind} ${plan.size} B`);
  try {
    if (latency) {
      const samples = new Float64Array(iters);
      if (plan.kind === 'send_lat') await runSendLatency(session.rig, spec, pacer, samples);
      else await runWriteLatency(session.rig, session.peer, spec, pacer, samples);
      const theirs = await session.finish(spec);
      return { latency: summarise(samples), lostWakeups: pacer.lostWakeups + theirs };
    }
    const seconds = await runStreamBandwidth(session.rig, session.peer, spec, pacer, iters);
    const theirs = await session.finish(spec);
    return { mbps: (plan.size * iters) / seconds / 1048576, mpps: iters / seconds / 1e6, lostWakeups: pacer.lostWakeups + theirs };
  } finally {
    pacer.dispose();
  }
}

/**
 * Run one test `plan.repeat` times on `session`. A failure ends the
 * measurement with `error` set (the session may then be unusable).
 */
export async function measure(session: Session, plan: TestPlan): Promise<Measurement> {
  const base = { kind: plan.kind, size: plan.size, iters: isLatency(plan.kind) ? plan.iters : wholeBatches(plan.iters, plan.batch) };
  const runs: Run[] = [];
  try {
    for (let r = 0; r < plan.repeat; r++) runs.push(await once(session, plan));
  } catch (err) {
    const lost = runs.reduce((a, r) => a + r.lostWakeups, 0);
    return { ...base, runs: runs.length, each: [], lostWakeups: lost, error: err instanceof Error ? err.message : String(err) };
  }
  const lostWakeups = runs.reduce((a, r) => a + r.lostWakeups, 0);
  if (isLatency(plan.kind)) {
    const mid = medianRun(runs, (r) => r.latency!.typical);
    return { ...base, runs: runs.length, latency: mid.latency!, each: runs.map((r) => r.latency!.typical), lostWakeups };
  }
  return {
    ...base, runs: runs.length, lostWakeups,
    mbps: median(runs.map((r) => r.mbps!)), mpps: median(runs.map((r) => r.mpps!)), each: runs.map((r) => r.mbps!),
  };
}
