import type { BenchOptions } from './options.js';
import type { TestKind } from './messages.js';
import type { PollMode } from './pacer.js';
import { FULL_SIZES, LATENCY_MAX_DEFAULT, QUICK_SIZES, scaledIterations } from './sizes.js';
import { isLatency, type TestPlan } from '../verbs/measure.js';

/** Sizes, iterations and time limits of one run, from the options. */
export interface RunPlan {
  readonly bwSizes: readonly number[];
  readonly latSizes: readonly number[];
  readonly maxSize: number;
  latIters(size: number): number;
  bwIters(size: number): number;
  /** Warm-up iterations before `iters` timed ones. */
  warm(iters: number): number;
  readonly timeoutMs: number;
  readonly copyBudget: number;
  plan(kind: TestKind, size: number, mode: PollMode): TestPlan;
}

const MIB = 1048576;

export function makeRunPlan(o: BenchOptions): RunPlan {
  const sizes = o.sizes ?? (o.quick ? QUICK_SIZES : FULL_SIZES);
  const latSizes = o.sizes ? sizes : sizes.filter((s) => s <= LATENCY_MAX_DEFAULT);
  const latBase = o.quick ? 1000 : 5000;
  const bwBase = o.quick ? 2000 : 10000;
  const latBudget = (o.quick ? 32 : 256) * MIB;
  const bwBudget = (o.quick ? 128 : 1024) * MIB;
  const latIters = (size: number): number => o.iters ?? scaledIterations(latBase, size, latBudget, 50);
  const bwIters = (size: number): number => o.iters ?? scaledIterations(bwBase, size, bwBudget, 64);
  const warm = (iters: number): number => Math.min(1000, Math.ceil(iters / 10));
  const timeoutMs = o.quick ? 5_000 : 30_000;
  return {
    bwSizes: sizes,
    latSizes,
    maxSize: Math.max(...sizes),
    latIters,
    bwIters,
    warm,
    timeoutMs,
    copyBudget: (o.quick ? 64 : 512) * MIB,
    plan(kind, size, mode) {
      const iters = isLatency(kind) ? latIters(size) : bwIters(size);
      return { kind, size, iters, warm: warm(iters), window: o.window, batch: o.batch, mode, timeoutMs, repeat: o.repeat };
    },
  };
}
