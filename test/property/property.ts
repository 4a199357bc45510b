/**
 * The property every placement checks: for any generated scenario, the
 * loopback provider does what the model says (see `runner.ts`).
 */
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { scenarioArb } from './generators.js';
import { propertyParameters, runScenario } from './runner.js';
import type { Placement } from './peers.js';

/** Check `defaultRuns` scenarios (or `VRDMA_PROP_RUNS`) on `placement`; fast-check's report names the seed and path to replay. */
export async function checkPlacement(placement: Placement, defaultRuns: number, maxSteps: number): Promise<void> {
  await fc.assert(fc.asyncProperty(scenarioArb(placement.faults, placement.timers, maxSteps), (scenario) => runScenario(placement, scenario)), propertyParameters(defaultRuns));
}

/** A test file's suite: the property on the placement `make` builds, disposed at the end. */
export function describePlacement(title: string, make: () => Placement, defaultRuns: number, maxSteps: number): void {
  describe(`loop0 against the model: ${title}`, () => {
    const placement = make();
    afterAll(() => placement.dispose());
    it('every request completes exactly once with the modelled status and bytes', async () => {
      await checkPlacement(placement, defaultRuns, maxSteps);
    }, 3_600_000);
  });
}
