import { describe, expect, it } from 'vitest';
import { chartsOf } from '../../bench/report/perf-charts.js';
import { renderChart } from '../../bench/report/svg-chart.js';
import type { SideBySide } from '../../bench/native/side-by-side.js';

const lat = (size: number, t: number) => ({ size, iters: 100, tMin: t, tMax: t, tTypical: t, tAvg: t, tStdev: 0, p99: t, p999: t });
const bw = (size: number, v: number) => ({ size, iters: 100, bwPeak: v, bwAvg: v, msgRate: v / size, unit: 'MB/sec' as const });

const run: SideBySide = {
  date: '2026-11-30T12:00:00.000Z', host: 'test', emulated: true, device: 'rxe0', gidIndex: 1, sizes: [2, 4096], latIters: 100, bwIters: 100,
  perftest: [
    { tool: 'ib_write_bw', size: 2, iters: 100, bwAverage: 0.5, bwPeak: 0.6, mpps: 0.2 },
    { tool: 'ib_write_bw', size: 4096, iters: 100, bwAverage: 40, bwPeak: 41, mpps: 0.01 },
    { tool: 'ib_send_lat', size: 2, iters: 100, tMin: 20, tTypical: 30 },
  ],
  vrdma: [
    { test: 'write_bw', device: 'rxe0', size: 2, bandwidth: bw(2, 0.4) },
    { test: 'write_bw', device: 'rxe0', size: 4096, bandwidth: bw(4096, 35) },
    { test: 'send_lat', device: 'rxe0', size: 2, latency: lat(2, 35) },
    { test: 'send_lat', device: 'rxe0', size: 4096, error: 'failed' },
  ],
  loopback: [{ test: 'write_bw', device: 'loop0', size: 4096, bandwidth: bw(4096, 900) }],
  baselines: null,
  notes: [],
};

describe('side-by-side charts', () => {
  it('draw bandwidth and latency against size, labelled as emulated, with the command that made them', () => {
    const charts = chartsOf(run);
    expect(Object.keys(charts).sort()).toEqual(['perf-bandwidth.svg', 'perf-latency.svg']);
    const svg = charts['perf-bandwidth.svg']!;
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('rxe0, emulated (TCG)');
    expect(svg).toContain('npm run bench:perf &amp;&amp; npm run charts');
    expect(svg).toContain('>perftest ib_write_bw<');
    expect(svg).toContain('>vrdma write_bw rxe0<');
    // Two points make a line; a failed measurement draws no point.
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(charts['perf-latency.svg']!.match(/<circle/g)).toHaveLength(2);
  });

  it('escapes text and leaves out points it cannot place on a log axis', () => {
    const svg = renderChart({ title: 'a<b', subtitle: '', xLabel: 'x', yLabel: 'y', series: [{ label: 's&t', points: [[2, 0], [4, 1], [8, Number.NaN], [16, 10]] }] });
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('s&amp;t');
    expect(svg.match(/<circle/g)).toHaveLength(2);
  });
});
