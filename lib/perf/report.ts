/**
 * perftest's figures from raw timestamps: latency from the gaps between
 * consecutive posts (one-way: half the gap for send and write ping-pongs,
 * the whole gap for reads and atomics), bandwidth from the first post to
 * the last completion. MB is 2^20 bytes; Gb is 10^9 bits.
 */

/** A latency line, as perftest prints it (microseconds). */
export interface LatencyReport {
  readonly size: number;
  readonly iters: number;
  readonly tMin: number;
  readonly tMax: number;
  readonly tTypical: number;
  readonly tAvg: number;
  readonly tStdev: number;
  readonly p99: number;
  readonly p999: number;
}

/** A bandwidth line, as perftest prints it. */
export interface BwReport {
  readonly size: number;
  /** Messages measured (all QPs). */
  readonly iters: number;
  /** Best rate over any run of signaled completions, in `unit`. */
  readonly bwPeak: number;
  /** Over the whole test, in `unit`. */
  readonly bwAvg: number;
  /** Million messages per second. */
  readonly msgRate: number;
  readonly unit: 'MB/sec' | 'Gb/sec';
}

/** Samples perftest leaves out at the slow end of a latency test. */
const LATENCY_TAIL = 2;

/**
 * A latency report from the post times (us) of `count` iterations.
 * @param halve true for ping-pongs (send, write): one way is half the gap
 */
export function latencyReport(size: number, posted: Float64Array, count: number, halve: boolean): LatencyReport {
  const factor = halve ? 2 : 1;
  const deltas = new Float64Array(Math.max(0, count - 1));
  for (let i = 0; i < deltas.length; i++) deltas[i] = (posted[i + 1]! - posted[i]!) / factor;
  deltas.sort();
  const m = Math.max(1, deltas.length - LATENCY_TAIL);
  const at = (i: number): number => deltas[Math.min(deltas.length - 1, Math.max(0, i))] ?? Number.NaN;
  const typical = (m - 1) % 2 ? (at(m >> 1) + at((m >> 1) - 1)) / 2 : at(m >> 1);
  let sum = 0;
  for (let i = 0; i < m; i++) sum += at(i);
  const avg = sum / m;
  let sq = 0;
  for (let i = 0; i < m; i++) sq += (at(i) - avg) ** 2;
  return {
    size, iters: count, tMin: at(0), tMax: at(m), tTypical: typical, tAvg: avg, tStdev: Math.sqrt(sq / m),
    p99: at(Math.ceil(m * 0.99)), p999: at(Math.ceil(m * 0.999)),
  };
}

/**
 * A bandwidth report from per-message post times and completion times (us),
 * indexed by message in post order; `step` is the signaling interval.
 */
export function bwReport(size: number, posted: Float64Array, completed: Float64Array, count: number, step: number, gbits: boolean): BwReport {
  const unitBytes = gbits ? 125_000_000 : 1_048_576;
  const seconds = (completed[count - 1]! - posted[0]!) / 1e6;
  let best = Number.POSITIVE_INFINITY;
  // Candidate starts and ends on signaled messages; thinned so that long runs stay quick.
  const s = Math.max(1, step) * Math.max(1, Math.ceil(count / (Math.max(1, step) * 20_000)));
  for (let i = 0; i < count; i += s) {
    for (let j = Math.min(count - 1, i + s - 1); j < count; j += s) {
      const per = (completed[j]! - posted[i]!) / (j - i + 1);
      if (per > 0 && per < best) best = per;
    }
    const per = (completed[count - 1]! - posted[i]!) / (count - i);
    if (per > 0 && per < best) best = per;
  }
  return {
    size, iters: count,
    bwPeak: Number.isFinite(best) ? (size / (best / 1e6)) / unitBytes : Number.NaN,
    bwAvg: (size * count) / seconds / unitBytes,
    msgRate: count / seconds / 1e6,
    unit: gbits ? 'Gb/sec' : 'MB/sec',
  };
}
