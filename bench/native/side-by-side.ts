/**
 * perftest and `vrdma perf` side by side, in one run, on one device: the
 * same tests, sizes and iterations; ratios per size for bandwidth, message
 * rate and latency (t_min, t_typical). Beside them: `vrdma perf` on loop0
 * (two processes through the hub), Buffer.copy and a raw Unix socket
 * between two processes (the same-host limits), and pyverbs when
 * python3-pyverbs is installed. Meant for the Soft-RoCE VM:
 *
 *   npm run bench:perf            (writes bench/results/perf-rxe.json)
 *
 * Emulated-CPU figures: compare the ratios, not the absolute numbers.
 */
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseSizes } from '../core/sizes.js';
import { runPerftest, type PerftestFigure, type PerftestTool } from './perftest.js';
import { runVrdmaPerf, type VrdmaPerfFigure } from './vrdma-perf.js';
import { runBaselines, type Baselines } from '../baselines/run-baselines.js';
import { fixed, renderTable, RULE, times } from '../report/format.js';
import { writeJson } from '../report/json.js';
import { boundaryText, runBoundary, type BoundaryRow } from '../boundary/suite.js';

interface Options {
  device: string;
  gidIndex: number;
  sizes: number[];
  latIters: number;
  bwIters: number;
  json: string | null;
  loopback: boolean;
}

const USAGE = `usage: node dist/bench/native/side-by-side.js [--device rxe0] [--gid-index 1] [--sizes 2,4K,64K]
       [--lat-iters 200] [--bw-iters 1000] [--json FILE] [--no-loopback]`;

const PAIRS: ReadonlyArray<{ tool: PerftestTool; test: string }> = [
  { tool: 'ib_send_lat', test: 'send_lat' },
  { tool: 'ib_write_lat', test: 'write_lat' },
  { tool: 'ib_read_lat', test: 'read_lat' },
  { tool: 'ib_write_bw', test: 'write_bw' },
  { tool: 'ib_read_bw', test: 'read_bw' },
];

function parse(argv: readonly string[]): Options {
  const o: Options = { device: 'rxe0', gidIndex: 1, sizes: [2, 4096, 65536], latIters: 200, bwIters: 1000, json: null, loopback: true };
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isSafeInteger(n) || n < 5) throw new Error(`${flag}: expected an integer of at least 5, got "${v ?? ''}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    switch (a) {
      case '--device': o.device = argv[++i] ?? o.device; break;
      case '--gid-index': o.gidIndex = Number(argv[++i]); break;
      case '--sizes': o.sizes = parseSizes(argv[++i] ?? ''); break;
      case '--lat-iters': o.latIters = int(a, argv[++i]); break;
      case '--bw-iters': o.bwIters = int(a, argv[++i]); break;
      case '--json': o.json = argv[++i] ?? null; break;
      case '--no-loopback': o.loopback = false; break;
      case '--help': case '-h': console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown option "${a}"\n${USAGE}`);
    }
  }
  return o;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function has(cmd: string, args: readonly string[]): boolean {
  try {
    execFileSync(cmd, [...args], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether the CPU is emulated (QEMU TCG): the figures are then labelled so. */
function emulated(): boolean {
  if (process.env['VRDMA_IN_VM'] === '1') return true;
  try {
    return /QEMU/i.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

const isBw = (test: string): boolean => test.endsWith('_bw');

/** Everything one run measured (the input of `npm run charts`). */
export interface SideBySide {
  readonly date: string;
  readonly host: string;
  readonly emulated: boolean;
  readonly device: string;
  readonly gidIndex: number;
  readonly sizes: readonly number[];
  readonly latIters: number;
  readonly bwIters: number;
  readonly perftest: readonly PerftestFigure[];
  readonly vrdma: readonly VrdmaPerfFigure[];
  readonly loopback: readonly VrdmaPerfFigure[];
  readonly baselines: Baselines | null;
  /** Cost per work request of post+poll: the JavaScript side, loop0, the device from JavaScript and from C. */
  readonly boundary?: readonly BoundaryRow[];
  readonly notes: readonly string[];
}

async function measure(o: Options): Promise<SideBySide> {
  const notes: string[] = [];
  let port = 18515;
  const perftest: PerftestFigure[] = [];
  const vrdma: VrdmaPerfFigure[] = [];
  const loopback: VrdmaPerfFigure[] = [];
  const havePerftest = PAIRS.every((p) => has('sh', ['-c', `command -v ${p.tool}`]));
  if (!havePerftest) notes.push('perftest: not installed (Debian package perftest): its columns are empty');
  for (const { tool, test } of PAIRS) {
    for (const size of o.sizes) {
      const iters = isBw(test) ? o.bwIters : o.latIters;
      if (havePerftest) {
        log(`perftest: ${tool} -s ${size} -n ${iters}`);
        perftest.push(await runPerftest({ tool, device: o.device, gidIndex: o.gidIndex, size, iters, port: port++, timeoutMs: 300_000 }));
      }
      log(`vrdma perf: ${test} -d ${o.device} -s ${size} -n ${iters}`);
      vrdma.push(await runVrdmaPerf({ test, device: o.device, gidIndex: o.gidIndex, size, iters, port: port++, timeoutMs: 300_000 }));
      if (o.loopback) {
        log(`vrdma perf: ${test} -d loop0 -s ${size} -n ${iters}`);
        loopback.push(await runVrdmaPerf({ test, device: 'loop0', size, iters, port: port++, timeoutMs: 300_000 }));
      }
    }
  }
  if (has('python3', ['-c', 'import pyverbs'])) {
    notes.push('pyverbs: installed, but this run has no pyverbs benchmark of its own yet; its column is left out');
  } else {
    notes.push('pyverbs: skipped (python3-pyverbs is not installed)');
  }
  log('baselines: Buffer.copy, raw Unix socket');
  const baselines = await runBaselines({
    bwSizes: o.sizes, latSizes: o.sizes, latIters: () => o.latIters, bwIters: () => o.bwIters, copyBudget: 64 * 1048576,
    repeat: 1, atomics: false, pingPongBudgetMs: 20_000,
  }, log);
  log(`boundary: post+poll per work request from JavaScript and from C on ${o.device}`);
  const boundary = await runBoundary(100, o.device, o.gidIndex);
  return {
    date: new Date().toISOString(), host: `Node ${process.version}, ${os.platform()} ${os.release()}, ${os.cpus().length} CPU(s)`,
    emulated: emulated(), device: o.device, gidIndex: o.gidIndex, sizes: o.sizes, latIters: o.latIters, bwIters: o.bwIters,
    perftest, vrdma, loopback, baselines, boundary, notes,
  };
}

/** The side-by-side tables of a run. */
export function sideBySideText(r: SideBySide): string {
  const latRows: string[][] = [];
  const bwRows: string[][] = [];
  const half = (x: number | undefined): number | undefined => (x === undefined ? undefined : x / 2);
  for (const { tool, test } of PAIRS) {
    for (const size of r.sizes) {
      const p = r.perftest.find((f) => f.tool === tool && f.size === size && f.error === undefined);
      const v = r.vrdma.find((f) => f.test === test && f.size === size);
      const l = r.loopback.find((f) => f.test === test && f.size === size);
      if (isBw(test)) {
        const copy = r.baselines?.copy.find((c) => c.size === size);
        const sock = r.baselines?.socketStream.find((c) => c.size === size);
        bwRows.push([
          test, String(size), fixed(p?.bwAverage, 2), fixed(v?.bandwidth?.bwAvg, 2), times(ratio(v?.bandwidth?.bwAvg, p?.bwAverage)),
          fixed(p?.mpps, 4), fixed(v?.bandwidth?.msgRate, 4), times(ratio(v?.bandwidth?.msgRate, p?.mpps)),
          fixed(l?.bandwidth?.bwAvg, 2), fixed(copy?.mbps, 0), fixed(sock?.mbps, 2),
        ]);
      } else {
        const sock = r.baselines?.socketPingPong.find((c) => c.size === size);
        latRows.push([
          test, String(size), fixed(p?.tMin, 2), fixed(v?.latency?.tMin, 2), times(ratio(v?.latency?.tMin, p?.tMin)),
          fixed(p?.tTypical, 2), fixed(v?.latency?.tTypical, 2), times(ratio(v?.latency?.tTypical, p?.tTypical)),
          fixed(l?.latency?.tTypical, 2), fixed(half(sock?.rtt.typical), 2),
        ]);
      }
    }
  }
  const errors = [...r.perftest, ...r.vrdma, ...r.loopback].filter((f) => f.error !== undefined)
    .map((f) => ` failed: ${'tool' in f ? f.tool : `vrdma perf ${f.test} on ${f.device}`} ${f.size} B: ${f.error}`);
  return [
    RULE,
    ` perftest vs vrdma perf on ${r.device} (GID index ${r.gidIndex}), ${r.date}${r.emulated ? ', emulated (TCG) CPU: compare ratios, not absolute figures' : ''}`,
    ` ${r.host}; latency ${r.latIters} iterations, bandwidth ${r.bwIters}; both sides: server and client processes, 127.0.0.1`,
    RULE,
    ' latency, one way, usec (vrdma/perftest: above 1x is slower); loop0: vrdma perf on the loopback provider; unix socket: half a round trip',
    renderTable(['test', '#bytes', 'perftest t_min', 'vrdma t_min', 'ratio', 'perftest t_typical', 'vrdma t_typical', 'ratio', 'loop0 t_typical', 'unix socket'], latRows),
    '',
    ' bandwidth, MB/sec (MB = 2^20) and Mpps (vrdma/perftest: below 1x is slower); Buffer.copy and unix socket stream: same-host limits',
    renderTable(['test', '#bytes', 'perftest BW', 'vrdma BW', 'ratio', 'perftest Mpps', 'vrdma Mpps', 'ratio', 'loop0 BW', 'Buffer.copy', 'unix socket'], bwRows),
    ...errors,
    ...r.notes.map((n) => ` ${n}`),
    ...(r.boundary === undefined ? [] : [boundaryText(r.boundary)]),
    RULE,
  ].join('\n');
}

function ratio(ours: number | undefined, theirs: number | undefined): number | undefined {
  return ours === undefined || theirs === undefined || theirs === 0 ? undefined : ours / theirs;
}

/** The options, or null after reporting a bad command line (exit status 2). */
function optionsOrNull(argv: readonly string[]): Options | null {
  try {
    return parse(argv);
  } catch (err) {
    process.exitCode = 2;
    log(err instanceof Error ? err.message : String(err));
    return null;
  }
}

const options = optionsOrNull(process.argv.slice(2));
if (options) {
  const started = Date.now();
  const r = await measure(options);
  console.log(sideBySideText(r));
  console.log(` finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (options.json) {
    writeJson(options.json, r);
    log(`wrote ${options.json}`);
  }
}
