/**
 * Timing loops for the boundary benchmark: how many nanoseconds the
 * JavaScript side of a post and of a poll costs per work request.
 */
/**
 * The clock the figures are taken with: `cpu` (this process's CPU time) on
 * a real CPU; `wall` inside the Soft-RoCE VM, whose kernel accounts CPU
 * time coarsely enough that short runs read as zero or as several times
 * their length (the VM's CPUs serve the run alone). `VRDMA_BENCH_CLOCK`
 * (`cpu` or `wall`) overrides.
 */
export const BENCH_CLOCK: 'cpu' | 'wall' =
  process.env['VRDMA_BENCH_CLOCK'] === 'wall' || (process.env['VRDMA_BENCH_CLOCK'] !== 'cpu' && process.env['VRDMA_IN_VM'] === '1') ? 'wall' : 'cpu';

/** Milliseconds on `BENCH_CLOCK`: CPU time used by this process (user + system, every thread), or wall time. */
function cpuMs(): number {
  if (BENCH_CLOCK === 'wall') return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The batch sizes the boundary figures are taken at. */
export const BOUNDARY_BATCHES = [1, 16, 64] as const;

/**
 * CPU nanoseconds per item of `round` (which handles `items` items per
 * call): a warm-up, then `runs` timed runs of about `budgetMs` each; the
 * fastest run counts. CPU time rather than wall time, so that other
 * programs sharing the machine do not count (the collector's helper
 * threads do: their work is part of the cost); wall time in the VM (see
 * `BENCH_CLOCK`).
 */
export function nsPerItem(round: () => void, items: number, budgetMs: number, runs = 5): number {
  let reps = 1;
  // Warm up and size the inner loop so that one timed run lasts about budgetMs.
  for (;;) {
    const t0 = cpuMs();
    for (let i = 0; i < reps; i++) round();
    const ms = cpuMs() - t0;
    if (ms >= budgetMs / 4) {
      reps = Math.max(1, Math.round((reps * budgetMs) / Math.max(ms, 1e-3)));
      break;
    }
    reps *= 4;
  }
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < runs; r++) {
    const t0 = cpuMs();
    for (let i = 0; i < reps; i++) round();
    const ns = ((cpuMs() - t0) * 1e6) / (reps * items);
    if (ns < best) best = ns;
  }
  return best;
}
