/** Summary of a set of latency samples, in microseconds. */
export interface LatencySummary {
  readonly min: number;
  readonly typical: number;
  readonly avg: number;
  readonly p99: number;
  readonly max: number;
}

/** The median of some numbers (NaN for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The `q` quantile (0..1) of sorted samples, nearest rank. */
export function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Summarise the first `count` samples (sorted in place). */
export function summarise(samples: Float64Array, count = samples.length): LatencySummary {
  const s = samples.subarray(0, count).sort();
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i]!;
  return {
    min: s.length ? s[0]! : Number.NaN,
    typical: quantileSorted(s, 0.5),
    avg: s.length ? sum / s.length : Number.NaN,
    p99: quantileSorted(s, 0.99),
    max: s.length ? s[s.length - 1]! : Number.NaN,
  };
}

/** The run whose `key` is the median of the runs (for odd counts an actual run; for even, the lower middle). */
export function medianRun<T>(runs: readonly T[], key: (run: T) => number): T {
  if (runs.length === 0) throw new Error('medianRun: no runs');
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[(sorted.length - 1) >> 1]!;
}
