/**
 * The boundary benchmark alone: nanoseconds per work request for the
 * JavaScript side of post and poll at batch 1, 16 and 64.
 *
 *   node dist/bench/boundary/run.js [--device rxe0] [--gid-index 1] [--budget-ms 100]
 *
 * With a device, the same work is also measured in C (verbs-cost.c, built
 * with the system's compiler) beside the JavaScript figures.
 */
import { boundaryText, runBoundary } from './suite.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const budget = Number(arg('--budget-ms') ?? 100);
console.log(boundaryText(await runBoundary(budget, arg('--device') ?? null, Number(arg('--gid-index') ?? 1))));
