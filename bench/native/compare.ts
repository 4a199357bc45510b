/**
 * perftest against vrdma's native provider on the same device, in the same
 * run: ib_send_lat, ib_write_lat and ib_write_bw (server in the background,
 * client to 127.0.0.1), then vrdma's two-process equivalents, side by side
 * with ratios. Meant for the Soft-RoCE VM:
 *
 *   bash test/rxe/run-in-vm.sh -- bash bench/rxe-compare.sh [--sizes 2,4K,64K] [--iters 1000]
 *
 * Emulated-CPU figures: compare the ratios, not the absolute numbers.
 */
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { parseSizes } from '../core/sizes.js';
import { medianRun } from '../core/stats.js';
import type { TestKind } from '../core/messages.js';
import { processPlacement } from '../placements/process.js';
import { runPlacement, type PlacementResult } from '../verbs/suite.js';
import type { TestPlan } from '../verbs/measure.js';
import { pickNativeDevice } from './device.js';
import { runPerftest, type PerftestFigure, type PerftestTool } from './perftest.js';
import { fixed, percent, renderTable, RULE, times } from '../report/format.js';
import { writeJson } from '../report/json.js';

interface CompareOptions {
  device: string;
  gidIndex: number;
  sizes: number[];
  iters: number;
  window: number;
  batch: number;
  inline: number | null;
  json: string | null;
  repeat: number;
  perftest: boolean;
  vrdma: boolean;
}

const USAGE = `usage: node dist/bench/native/compare.js [--device rxe0] [--gid-index 1] [--sizes 2,4K,64K]
       [--iters 1000] [--window 128] [--batch 16] [--inline N] [--repeat N] [--json FILE] [--no-perftest] [--no-vrdma]`;

function parse(argv: readonly string[]): CompareOptions {
  const o: CompareOptions = {
    device: 'rxe0', gidIndex: 1, sizes: [2, 4096, 65536], iters: 1000, window: 128, batch: 16, inline: null, json: null, repeat: 1, perftest: true, vrdma: true,
  };
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isSafeInteger(n) || n < 0) throw new Error(`${flag}: expected a non-negative integer, got "${v ?? ''}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    switch (a) {
      case '--device': o.device = argv[++i] ?? o.device; break;
      case '--gid-index': o.gidIndex = int(a, argv[++i]); break;
      case '--sizes': o.sizes = parseSizes(argv[++i] ?? ''); break;
      case '--iters': o.iters = Math.max(1, int(a, argv[++i])); break;
      case '--window': o.window = Math.max(1, int(a, argv[++i])); break;
      case '--batch': o.batch = Math.max(1, int(a, argv[++i])); break;
      case '--inline': o.inline = int(a, argv[++i]); break;
      case '--json': o.json = argv[++i] ?? null; break;
      case '--repeat': o.repeat = Math.max(1, int(a, argv[++i])); break;
      case '--no-perftest': o.perftest = false; break;
      case '--no-vrdma': o.vrdma = false; break;
      case '--help': case '-h': console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown option "${a}"\n${USAGE}`);
    }
  }
  if (o.batch > o.window) throw new Error('--batch must not exceed --window');
  return o;
}

const PAIRS: ReadonlyArray<{ tool: PerftestTool; kind: TestKind }> = [
  { tool: 'ib_send_lat', kind: 'send_lat' },
  { tool: 'ib_write_lat', kind: 'write_lat' },
  { tool: 'ib_write_bw', kind: 'write_bw' },
];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function hasTool(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function runAllPerftest(o: CompareOptions): Promise<{ figures: PerftestFigure[]; problem: string | null }> {
  if (!o.perftest) return { figures: [], problem: 'skipped (--no-perftest)' };
  const missing = PAIRS.map((p) => p.tool).filter((t) => !hasTool(t));
  if (missing.length > 0) return { figures: [], problem: `perftest not installed (${missing.join(', ')} missing; Debian package perftest)` };
  const figures: PerftestFigure[] = [];
  let port = 18515;
  for (const { tool } of PAIRS) {
    for (const size of o.sizes) {
      const runs: PerftestFigure[] = [];
      for (let r = 0; r < o.repeat; r++) {
        log(`perftest: ${tool} -s ${size} -n ${o.iters}${o.repeat > 1 ? ` (run ${r + 1} of ${o.repeat})` : ''}`);
        runs.push(await runPerftest({ tool, device: o.device, gidIndex: o.gidIndex, size, iters: o.iters, port: port++, timeoutMs: 300_000 }));
      }
      const ok = runs.filter((f) => f.error === undefined);
      figures.push(ok.length === 0 ? runs[0]! : medianRun(ok, (f) => (tool === 'ib_write_bw' ? f.bwAverage! : f.tTypical!)));
    }
  }
  return { figures, problem: null };
}

async function runVrdma(o: CompareOptions, inline: number): Promise<{ result: PlacementResult | null; problem: string | null }> {
  if (!o.vrdma) return { result: null, problem: 'skipped (--no-vrdma)' };
  const pick = pickNativeDevice(o.device);
  if ('reason' in pick) return { result: null, problem: pick.reason };
  const placement = processPlacement('spin', 'device');
  const plan = (kind: TestKind, size: number): TestPlan => ({
    kind, size, iters: o.iters, warm: Math.min(1000, Math.ceil(o.iters / 10)), window: o.window, batch: o.batch, mode: 'spin',
    // As perftest's write_bw server, which sleeps until the end: a spinning target would take the CPU rxe needs.
    targetMode: kind === 'write_bw' ? 'wait' : 'spin',
    timeoutMs: 300_000, repeat: o.repeat,
  });
  log(`vrdma: ${placement.label} on ${pick.name}, GID index ${o.gidIndex}`);
  const result = await runPlacement(
    placement, { device: pick.name, hub: false, gidIndex: o.gidIndex, maxSize: Math.max(...o.sizes), maxInline: inline },
    PAIRS.map((p) => p.kind), () => o.sizes, plan, log,
  );
  return { result, problem: result.available ? null : `vrdma placement unavailable: ${result.reason ?? 'unknown'}` };
}

function sideBySide(o: CompareOptions, perf: readonly PerftestFigure[], ours: PlacementResult | null): string {
  const rows: string[][] = [];
  for (const { tool, kind } of PAIRS) {
    for (const size of o.sizes) {
      const p = perf.find((f) => f.tool === tool && f.size === size);
      const m = ours?.results.find((r) => r.kind === kind && r.size === size);
      const pErr = p?.error;
      const mErr = m?.error;
      if (tool === 'ib_write_bw') {
        const pb = p?.bwAverage;
        const mb = m?.mbps;
        rows.push([
          tool, String(size), String(o.iters), 'BW_average[MB/sec]',
          pErr ? 'failed' : fixed(pb, 2), mErr ? 'failed' : fixed(mb, 2),
          pb !== undefined && mb !== undefined ? percent(mb / pb) : '-',
          `${fixed(p?.mpps, 4)} / ${fixed(m?.mpps, 4)} Mpps`,
        ]);
      } else {
        const ours = m?.latency;
        const half = (x: number | undefined): number | undefined => (x === undefined ? undefined : x / 2);
        for (const [label, pv, mv] of [
          ['t_typical[usec], one way', p?.tTypical, half(ours?.typical)],
          ['t_min[usec], one way', p?.tMin, half(ours?.min)],
        ] as const) {
          rows.push([
            tool, String(size), String(o.iters), label,
            pErr ? 'failed' : fixed(pv, 2), mErr ? 'failed' : fixed(mv, 2),
            pv !== undefined && mv !== undefined ? times(mv / pv) : '-',
            label.startsWith('t_typical') ? `t_avg ${fixed(p?.tAvg, 2)} / ${fixed(half(ours?.avg), 2)}` : `t_p99 ${fixed(p?.tP99, 2)} / ${fixed(half(ours?.p99), 2)}`,
          ]);
        }
      }
    }
  }
  return renderTable(['test', '#bytes', '#iterations', 'figure', 'perftest', 'vrdma', 'vrdma_vs_perftest', 'also (perftest / vrdma)'], rows);
}

async function main(): Promise<void> {
  let o: CompareOptions;
  try {
    o = parse(process.argv.slice(2));
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
    process.exitCode = 2;
    return;
  }
  const started = Date.now();
  console.log(RULE);
  console.log(` perftest vs vrdma (native provider), device ${o.device}, GID index ${o.gidIndex}  ${new Date(started).toISOString()}`);
  console.log(` Node ${process.version}, ${os.platform()} ${os.release()}, ${os.cpus().length} CPU(s); sizes ${o.sizes.join(',')}; ${o.iters} iterations; median of ${o.repeat} run(s)`);
  console.log(` vrdma: two processes, spin-polled (the write_bw target waits on its completion channel, as perftest's server sleeps),`);
  console.log(`        window ${o.window}, post list ${o.batch} (perftest: TX depth 128, post list 1)`);
  console.log(' Emulated-CPU figures: compare ratios, not absolute numbers.');
  console.log(RULE);

  const perf = await runAllPerftest(o);
  const inline = o.inline ?? perf.figures.find((f) => f.inline !== undefined)?.inline ?? 0;
  const ours = await runVrdma(o, inline);

  console.log(` latency: perftest's convention (half the round trip); vrdma: its round trip / 2. Inline up to ${inline} B on both.`);
  console.log(sideBySide(o, perf.figures, ours.result));
  const bimodal = perf.figures.some((f) => f.tTypical !== undefined && f.tMin !== undefined && f.tTypical > 10 * f.tMin)
    || (ours.result?.results ?? []).some((m) => m.latency !== undefined && m.latency.typical > 10 * m.latency.min);
  if (bimodal) {
    console.log(' note: some latencies have t_typical > 10x t_min: on an emulated CPU the packet path often waits for the');
    console.log('       next kernel timer tick (about 4 ms at HZ=250), in perftest and vrdma alike; compare the t_min rows there.');
  }
  for (const f of perf.figures) if (f.error) console.log(` perftest ${f.tool} ${f.size} B: ${f.error}`);
  for (const m of ours.result?.results ?? []) if (m.error) console.log(` vrdma ${m.kind} ${m.size} B: ${m.error}`);
  if (perf.problem) console.log(` perftest: ${perf.problem}`);
  if (ours.problem) console.log(` vrdma: unavailable: ${ours.problem}`);
  console.log(`${RULE}\n finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (o.json) {
    writeJson(o.json, { date: new Date(started).toISOString(), node: process.version, options: o, inline, perftest: perf, vrdma: ours });
    log(`wrote ${o.json}`);
  }
}

await main();
