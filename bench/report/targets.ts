import type { Baselines } from '../baselines/run-baselines.js';
import type { TestKind } from '../core/messages.js';
import type { Measurement } from '../verbs/measure.js';
import type { PlacementResult } from '../verbs/suite.js';
import { fixed, percent, RULE, times } from './format.js';

/** PASS / MISS, or n/a when a figure it needs was not measured. */
export type Verdict = 'PASS' | 'MISS' | 'n/a';

/** One target of the project, judged on this run's figures. */
export interface TargetReport {
  readonly id: string;
  /** The target in words. */
  readonly goal: string;
  readonly verdict: Verdict;
  /** The figures it was judged on, or why it could not be. */
  readonly detail: string;
  /** The ratio or value compared with the limit. */
  readonly value?: number;
  readonly limit: number;
}

const MIB = 1048576;
const KIB64 = 65536;

function placement(results: readonly PlacementResult[], kind: string, mode?: string): PlacementResult | undefined {
  return results.find((p) => p.kind === kind && (mode === undefined || p.mode === mode));
}

/** The figure of `test` at `size` in a placement, or the reason there is none. */
function figure(p: PlacementResult | undefined, test: TestKind, size: number): Measurement | string {
  if (!p) return 'placement not run';
  if (!p.available) return `placement unavailable: ${p.reason ?? 'unknown'}`;
  const m = p.results.find((r) => r.kind === test && r.size === size);
  if (!m) return `${test} at ${size} B not measured (add it with --sizes)`;
  if (m.error !== undefined) return `${test} at ${size} B failed: ${m.error}`;
  return m;
}

function smallest(p: PlacementResult | undefined, test: TestKind): number {
  const sizes = (p?.results ?? []).filter((m) => m.kind === test).map((m) => m.size);
  return sizes.length ? Math.min(...sizes) : 2;
}

function na(id: string, goal: string, limit: number, why: string): TargetReport {
  return { id, goal, verdict: 'n/a', detail: why, limit };
}

function judge(ok: boolean): Verdict {
  return ok ? 'PASS' : 'MISS';
}

/** A 1 MiB bandwidth figure against a copy baseline of the same run (`Buffer.copy`, `TypedArray.set`). */
function vsCopy(id: string, goal: string, limit: number, m: Measurement | string, base: ReadonlyArray<{ readonly size: number; readonly mbps: number }>, name: string): TargetReport {
  const copy = base.find((c) => c.size === MIB);
  if (typeof m === 'string') return na(id, goal, limit, m);
  if (!copy) return na(id, goal, limit, `${name} at 1 MiB not measured`);
  const r = m.mbps! / copy.mbps;
  return { id, goal, verdict: judge(r >= limit), value: r, limit, detail: `${fixed(m.mbps, 0)} MB/s vs ${name} ${fixed(copy.mbps, 0)} MB/s = ${percent(r)}` };
}

/** Judge the loopback targets on this run's figures (report only, never assert). */
export function judgeTargets(results: readonly PlacementResult[], b: Baselines): TargetReport[] {
  const out: TargetReport[] = [];
  const worker = placement(results, 'worker', 'spin');
  const procs = results.filter((p) => p.kind === 'process');
  const proc = procs.find((p) => p.results.some((m) => m.kind === 'write_bw')) ?? procs[0];

  out.push(vsCopy('worker-write-1m', 'worker 1 MiB RDMA write >= 80% of Buffer.copy bandwidth', 0.8, figure(worker, 'write_bw', MIB), b.copy, 'Buffer.copy'));
  out.push(vsCopy('worker-write-1m-set', 'worker 1 MiB RDMA write >= 90% of TypedArray.set bandwidth', 0.9, figure(worker, 'write_bw', MIB), b.set, 'TypedArray.set'));

  {
    const size = smallest(worker, 'send_lat');
    const id = 'worker-rtt-atomics';
    const goal = `spin-polled worker round trip <= 4x the Atomics spin ping-pong of the same run (send_lat, ${size} B)`;
    const m = figure(worker, 'send_lat', size);
    const a = b.atomics?.rtt.typical;
    if (typeof m === 'string') out.push(na(id, goal, 4, m));
    else if (a === undefined) out.push(na(id, goal, 4, 'Atomics ping-pong not measured'));
    else {
      const r = m.latency!.typical / a;
      out.push({ id, goal, verdict: judge(r <= 4), value: r, limit: 4, detail: `t_typical ${fixed(m.latency!.typical, 2)} us vs Atomics ${fixed(a, 3)} us = ${times(r)}` });
    }
  }

  for (const test of ['send_lat', 'write_lat'] as const) {
    const id = `worker-rtt-${test}`;
    const size = smallest(worker, test);
    const goal = `spin-polled worker round trip <= 2 us (${test}, ${size} B)`;
    const m = figure(worker, test, size);
    if (typeof m === 'string') out.push(na(id, goal, 2, m));
    else {
      const t = m.latency!.typical;
      const a = b.atomics?.rtt.typical;
      out.push({
        id, goal, verdict: judge(t <= 2), value: t, limit: 2,
        detail: `t_typical ${fixed(t, 2)} us (raw Atomics spin ping-pong ${fixed(a, 3)} us${a === undefined ? '' : `, ${times(t / a)}`})`,
      });
    }
  }

  {
    const id = 'process-bw';
    const goal = `cross-process bandwidth >= 85% of the raw Unix socket at >= 64 KiB (RDMA write${proc ? `, ${proc.mode}` : ''})`;
    if (!proc) out.push(na(id, goal, 0.85, 'placement not run'));
    else if (!proc.available) out.push(na(id, goal, 0.85, `placement unavailable: ${proc.reason ?? 'unknown'}`));
    else {
      const parts: string[] = [];
      let worst = Number.POSITIVE_INFINITY;
      for (const m of proc.results.filter((r) => r.kind === 'write_bw' && r.size >= KIB64 && r.error === undefined)) {
        const s = b.socketStream.find((x) => x.size === m.size);
        if (!s) continue;
        const r = m.mbps! / s.mbps;
        worst = Math.min(worst, r);
        parts.push(`${m.size / 1024} KiB ${fixed(m.mbps, 0)}/${fixed(s.mbps, 0)} MB/s = ${percent(r)}`);
      }
      if (parts.length === 0) out.push(na(id, goal, 0.85, 'no size >= 64 KiB measured on both'));
      else out.push({ id, goal, verdict: judge(worst >= 0.85), value: worst, limit: 0.85, detail: `worst ${percent(worst)}: ${parts.join('; ')}` });
    }
  }

  out.push(vsCopy(
    'process-write-1m', `cross-process 1 MiB RDMA write through shared memory >= 80% of Buffer.copy bandwidth${proc ? ` (${proc.mode})` : ''}`,
    0.8, figure(proc, 'write_bw', MIB), b.copy, 'Buffer.copy',
  ));

  {
    const id = 'process-write-1m-vs-socket';
    const goal = 'cross-process 1 MiB RDMA write through shared memory >= 1.5x the same with its bytes on the socket (about 2x expected)';
    const m = figure(proc, 'write_bw', MIB);
    const s = figure(placement(results, 'process-socket'), 'write_bw', MIB);
    if (typeof m === 'string') out.push(na(id, goal, 1.5, m));
    else if (typeof s === 'string') out.push(na(id, goal, 1.5, s));
    else {
      const r = m.mbps! / s.mbps!;
      out.push({ id, goal, verdict: judge(r >= 1.5), value: r, limit: 1.5, detail: `${fixed(m.mbps, 0)} MB/s vs ${fixed(s.mbps, 0)} MB/s on the socket = ${times(r)}` });
    }
  }

  for (const p of procs.length > 0 ? procs : [undefined]) {
    const id = `process-rtt${p ? `-${p.mode}` : ''}`;
    const size = smallest(p, 'send_lat');
    const goal = `cross-process round trip <= 1.3x the raw socket ping-pong (send_lat, ${size} B${p ? `, ${p.mode}` : ''})`;
    const m = figure(p, 'send_lat', size);
    // Like with like: a polling side against the busy socket ping-pong, a sleeping one against the sleeping one.
    const sleeps = p?.mode === 'wait';
    const s = (sleeps ? b.socketPingPong : b.socketPingPongBusy).find((x) => x.size === size);
    const which = sleeps ? 'socket ping-pong, both sleeping' : 'socket ping-pong, both event loops busy';
    if (typeof m === 'string') out.push(na(id, goal, 1.3, m));
    else if (!s) out.push(na(id, goal, 1.3, `${which} at ${size} B not measured`));
    else {
      const r = m.latency!.typical / s.rtt.typical;
      out.push({ id, goal, verdict: judge(r <= 1.3), value: r, limit: 1.3, detail: `t_typical ${fixed(m.latency!.typical, 2)} us vs ${which} ${fixed(s.rtt.typical, 2)} us = ${times(r)}` });
    }
  }
  return out;
}

/** The targets block of the printout. */
export function targetsText(targets: readonly TargetReport[]): string {
  const lines = [RULE, ' Targets (reported, never asserted)', RULE];
  for (const t of targets) lines.push(` ${t.verdict.padEnd(4)}  ${t.goal}\n        ${t.detail}`);
  return lines.join('\n');
}
