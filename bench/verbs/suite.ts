import type { TestKind } from '../core/messages.js';
import type { Placement } from '../placements/placement.js';
import type { RigOptions } from './rig.js';
import { measure, type Measurement, type TestPlan } from './measure.js';

/** Everything measured in one placement, or why it could not run. */
export interface PlacementResult {
  readonly kind: string;
  readonly label: string;
  readonly mode: string;
  readonly available: boolean;
  readonly reason?: string;
  readonly results: readonly Measurement[];
}

/** A placement whose tests fail this many times in a row is not tried further (each failure costs a timeout). */
const GIVE_UP_AFTER = 2;

/** The plans of one placement, in order. */
export type PlanFor = (kind: TestKind, size: number) => TestPlan;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Open `placement`, run every (test, size) in order, close it. A failed
 * test is recorded and the placement reopened for the next one; never throws.
 */
export async function runPlacement(
  placement: Placement, options: RigOptions, tests: readonly TestKind[], sizes: (kind: TestKind) => readonly number[],
  planFor: PlanFor, log: (line: string) => void,
): Promise<PlacementResult> {
  const head = { kind: placement.kind, label: placement.label, mode: placement.mode };
  let session;
  try {
    session = await placement.open(options);
  } catch (err) {
    return { ...head, available: false, reason: message(err), results: [] };
  }
  const results: Measurement[] = [];
  let failures = 0;
  let open = session;
  let stopped: string | null = null;
  /** Count a failure and start over on a fresh pair; false when that is impossible. */
  const recover = async (what: string, error: string): Promise<boolean> => {
    failures++;
    log(`  ${placement.label}: ${what} failed: ${error}; reopening`);
    await open.close();
    try {
      open = await placement.open(options);
      return true;
    } catch (err) {
      stopped = `stopped after a failure; reopening failed: ${message(err)}`;
      return false;
    }
  };
  try {
    outer: for (const kind of tests) {
      let warmed = false;
      for (const size of sizes(kind)) {
        if (failures >= GIVE_UP_AFTER) {
          results.push({ kind, size, iters: 0, runs: 0, each: [], lostWakeups: 0, error: `skipped after ${failures} failures in a row` });
          continue;
        }
        if (!warmed) {
          // One untimed pass first, so the JIT has compiled the loops before the first figure.
          log(`  ${placement.label}: ${kind} warm-up`);
          const w = await measure(open, { ...planFor(kind, size), repeat: 1 });
          warmed = true;
          if (w.error !== undefined && !(await recover(`${kind} warm-up`, w.error))) break outer;
        }
        log(`  ${placement.label}: ${kind} ${size} B`);
        const m = await measure(open, planFor(kind, size));
        results.push(m);
        if (m.error === undefined) failures = 0;
        else if (!(await recover(`${kind} ${size} B`, m.error))) break outer;
      }
    }
  } finally {
    await open.close();
  }
  return { ...head, available: true, ...(stopped === null ? {} : { reason: stopped }), results };
}
