/**
 * The headline figures of several `run.js --json` files, each with the
 * median across the files (the figures in docs/benchmarks.md come from it).
 *
 *   node dist/bench/report/headline.js run1.json run2.json run3.json
 */
import { readFileSync } from 'node:fs';
import { median } from '../core/stats.js';
import { fixed, renderTable } from './format.js';

interface Fig { kind: string; size: number; latency?: { typical: number }; mbps?: number; error?: string }
interface Place { kind: string; mode: string; available: boolean; results: Fig[] }
interface Rtt { size: number; rtt: { typical: number } }
interface Run {
  date: string;
  baselines: {
    copy: Array<{ size: number; mbps: number }>;
    socketStream: Array<{ size: number; mbps: number }>;
    socketPingPong: Rtt[];
    socketPingPongBusy?: Rtt[];
    atomics: Rtt | null;
  };
  placements: Place[];
  targets: Array<{ id: string; goal: string; verdict: string; value?: number; limit: number }>;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node dist/bench/report/headline.js RUN.json [RUN.json ...]');
  process.exit(2);
}
const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Run);

type Pick = (r: Run) => number | undefined;
const fig = (kind: string, mode: string, test: string, size: number): Pick => (r) => {
  const m = r.placements.find((p) => p.kind === kind && p.mode === mode)?.results.find((x) => x.kind === test && x.size === size);
  if (!m || m.error !== undefined) return undefined;
  return m.latency ? m.latency.typical : m.mbps;
};
const base = (list: (r: Run) => Array<{ size: number; mbps?: number; rtt?: { typical: number } }> | undefined, size: number): Pick => (r) => {
  const x = list(r)?.find((y) => y.size === size);
  return x ? (x.rtt ? x.rtt.typical : x.mbps) : undefined;
};

const rows: Array<[string, string, Pick]> = [
  ['Buffer.copy 1 MiB', 'MB/s', base((r) => r.baselines.copy, 1048576)],
  ['Unix socket stream 64 KiB', 'MB/s', base((r) => r.baselines.socketStream, 65536)],
  ['Unix socket stream 1 MiB', 'MB/s', base((r) => r.baselines.socketStream, 1048576)],
  ['Unix socket ping-pong 2 B, sleeping', 'us rtt', base((r) => r.baselines.socketPingPong, 2)],
  ['Unix socket ping-pong 2 B, busy loops', 'us rtt', base((r) => r.baselines.socketPingPongBusy, 2)],
  ['Atomics spin ping-pong', 'us rtt', (r) => r.baselines.atomics?.rtt.typical],
];
for (const [kind, mode, name] of [['thread', 'spin', 'same thread'], ['worker', 'spin', 'worker (spin)'], ['worker', 'wait', 'worker (wait)'], ['process', 'yield', 'process (yield)'], ['process', 'wait', 'process (wait)']] as const) {
  rows.push([`${name}: send_lat 2 B`, 'us rtt', fig(kind, mode, 'send_lat', 2)]);
  rows.push([`${name}: write_lat 2 B`, 'us rtt', fig(kind, mode, 'write_lat', 2)]);
  rows.push([`${name}: write_bw 2 B`, 'MB/s', fig(kind, mode, 'write_bw', 2)]);
  rows.push([`${name}: write_bw 64 KiB`, 'MB/s', fig(kind, mode, 'write_bw', 65536)]);
  rows.push([`${name}: write_bw 1 MiB`, 'MB/s', fig(kind, mode, 'write_bw', 1048576)]);
  rows.push([`${name}: send_bw 64 KiB`, 'MB/s', fig(kind, mode, 'send_bw', 65536)]);
}

const table = rows.map(([name, unit, pick]) => {
  const vals = runs.map(pick);
  const ok = vals.filter((v): v is number => v !== undefined);
  return [name, unit, ...vals.map((v) => fixed(v, 2)), ok.length ? fixed(median(ok), 2) : '-'];
});
console.log(renderTable(['figure', 'unit', ...runs.map((_, i) => `run ${i + 1}`), 'median'], table));

const ids = [...new Set(runs.flatMap((r) => r.targets.map((t) => t.id)))];
const targetRows = ids.map((id) => {
  const ts = runs.map((r) => r.targets.find((t) => t.id === id));
  const vals = ts.map((t) => t?.value);
  const ok = vals.filter((v): v is number => v !== undefined);
  const first = ts.find((t) => t !== undefined)!;
  const med = ok.length ? median(ok) : undefined;
  const pass = med === undefined ? 'n/a' : (id.startsWith('worker-write') || id === 'process-bw' ? med >= first.limit : med <= first.limit) ? 'PASS' : 'MISS';
  return [first.goal, ...vals.map((v) => fixed(v, 3)), med === undefined ? '-' : fixed(med, 3), String(first.limit), pass];
});
console.log('');
console.log(renderTable(['target', ...runs.map((_, i) => `run ${i + 1}`), 'median', 'limit', 'verdict'], targetRows));
