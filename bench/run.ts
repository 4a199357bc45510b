/**
 * The benchmark suite: latency and bandwidth of the verbs in three
 * placements (same thread, main <-> worker, two processes), each beside the
 * limits measured in the same run, then the project's targets (reported,
 * never asserted).
 *
 *   npm run bench -- [--quick] [--provider loopback|native] [--sizes ...] [--json FILE] ...
 */
import os from 'node:os';
import { parseOptions, USAGE, type BenchOptions } from './core/options.js';
import { makeRunPlan } from './core/plan.js';
import { BANDWIDTH_TESTS, LATENCY_TESTS, type TestKind } from './core/messages.js';
import type { PollMode } from './core/pacer.js';
import { runBaselines } from './baselines/run-baselines.js';
import { loopbackPlacements } from './loopback/placements.js';
import { nativePlacements } from './native/placements.js';
import { pickNativeDevice } from './native/device.js';
import { runPlacement, type PlacementResult } from './verbs/suite.js';
import { isLatency, type TestPlan } from './verbs/measure.js';
import { baselinesTable, placementTables } from './report/tables.js';
import { judgeTargets, targetsText } from './report/targets.js';
import { writeJson } from './report/json.js';
import { boundaryText, runBoundary } from './boundary/suite.js';
import { judgeBoundaryTargets } from './report/boundary-targets.js';
import { RULE } from './report/format.js';

const t0 = Date.now();

/** Progress on stderr, with seconds since start. */
function log(line: string): void {
  process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
}

function testsOf(o: BenchOptions): TestKind[] {
  if (o.only === 'baselines') return [];
  if (o.only === 'latency') return [...LATENCY_TESTS];
  if (o.only === 'bandwidth') return [...BANDWIDTH_TESTS];
  return [...LATENCY_TESTS, ...BANDWIDTH_TESTS];
}

/**
 * On a native device the RDMA-write target has nothing to do until the
 * closing SEND: let it sleep on its completion channel, as perftest's server
 * does, instead of taking a CPU the device's software (rxe) may need.
 */
function targetWaits(o: BenchOptions, p: TestPlan): TestPlan {
  return o.provider === 'native' && p.kind === 'write_bw' ? { ...p, targetMode: 'wait' } : p;
}

async function main(): Promise<void> {
  let o: BenchOptions;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (err) {
    log(`bench: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (o.help) {
    console.log(USAGE);
    return;
  }
  const started = Date.now();
  const plan = makeRunPlan(o);
  const tests = testsOf(o);
  const wantLat = o.only !== 'bandwidth';
  const wantBw = o.only !== 'latency';

  let device = 'loop0';
  let deviceProblem: string | null = null;
  if (o.provider === 'native') {
    const pick = pickNativeDevice(o.device);
    if ('name' in pick) device = pick.name;
    else deviceProblem = pick.reason;
  } else if (o.device !== null && o.device !== 'loop0') {
    deviceProblem = `the loopback provider has only loop0, not ${o.device}`;
  }
  const processMode: PollMode | null = o.processMode;
  const all = o.provider === 'native' ? nativePlacements(processMode) : loopbackPlacements(processMode);
  const chosen = all.filter((p) => (o.placements ? o.placements.includes(p.id) : true));

  const cpus = os.cpus();
  console.log(RULE);
  console.log(` vrdma benchmarks  ${new Date(started).toISOString()}`);
  console.log(` Node ${process.version}, ${os.platform()} ${os.release()}, ${cpus.length} CPU(s) ${cpus[0]?.model ?? ''}`.trimEnd());
  console.log(` provider ${o.provider}, device ${deviceProblem ? '(none)' : device}${o.quick ? ', quick run' : ''}, repeat ${o.repeat} (median), window ${o.window}, post list ${o.batch}`);

  const baselines = await runBaselines({
    bwSizes: wantBw ? plan.bwSizes : [],
    latSizes: wantLat ? plan.latSizes : [],
    latIters: plan.latIters,
    bwIters: plan.bwIters,
    copyBudget: plan.copyBudget,
    repeat: o.repeat,
    pingPongBudgetMs: o.quick ? 1000 : 3000,
    atomics: wantLat && (o.only === 'baselines' || chosen.some((p) => p.placement.kind === 'worker')),
  }, log);
  console.log(baselinesTable(baselines));

  log('boundary: cost of posting and polling per work request');
  const boundary = await runBoundary(o.quick ? 20 : 100, o.provider === 'native' && deviceProblem === null ? device : null);
  console.log(boundaryText(boundary));

  const results: PlacementResult[] = [];
  if (tests.length > 0) {
    const maxInline = o.inline ?? (o.provider === 'native' ? 64 : 0);
    for (const p of chosen) {
      const only = 'only' in p ? p.only : undefined;
      const ptests = only ? tests.filter((t) => only.includes(t)) : tests;
      if (ptests.length === 0) continue;
      const pl = p.placement;
      let r: PlacementResult;
      if (deviceProblem !== null) {
        r = { kind: pl.kind, label: pl.label, mode: pl.mode, available: false, reason: deviceProblem, results: [] };
      } else {
        log(`placement: ${pl.label}`);
        r = await runPlacement(
          pl, { device, hub: p.hub, maxSize: plan.maxSize, maxInline, ...(o.gidIndex === undefined ? {} : { gidIndex: o.gidIndex }) },
          ptests, (kind) => (isLatency(kind) ? plan.latSizes : plan.bwSizes), (kind, size) => targetWaits(o, plan.plan(kind, size, pl.mode)), log,
        );
      }
      results.push(r);
      console.log(placementTables(r, ptests, baselines));
    }
  }

  const targets = [...judgeBoundaryTargets(boundary), ...(o.provider === 'loopback' && tests.length > 0 ? judgeTargets(results, baselines) : [])];
  if (targets.length > 0) console.log(targetsText(targets));
  const seconds = (Date.now() - started) / 1000;
  console.log(`${RULE}\n finished in ${seconds.toFixed(1)} s`);

  if (o.json !== null) {
    writeJson(o.json, {
      date: new Date(started).toISOString(), seconds, node: process.version, platform: `${os.platform()} ${os.release()}`,
      cpus: cpus.length, cpuModel: cpus[0]?.model ?? null, options: o, device: deviceProblem ? null : device, deviceProblem,
      baselines, boundary, placements: results, targets,
    });
    log(`bench: wrote ${o.json}`);
  }
}

await main();
