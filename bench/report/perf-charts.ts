/**
 * The charts of a side-by-side run: bandwidth and latency against message
 * size for perftest, `vrdma perf` on the device and on loop0, and the
 * same-host limits; "emulated (TCG)" in the subtitle when the CPU was.
 */
import type { SideBySide } from '../native/side-by-side.js';
import { renderChart, type Series } from './svg-chart.js';

/** The command that makes the charts, printed on them. */
const COMMAND = 'npm run bench:perf && npm run charts';

/** The bandwidth and latency charts of `r`, as SVG documents by file name. */
export function chartsOf(r: SideBySide): Record<string, string> {
  const where = `${r.device}${r.emulated ? ', emulated (TCG)' : ''}, ${r.date.slice(0, 10)}`;
  const sub = `${where}; made by: ${COMMAND}`;
  const vr = (test: string, device: 'device' | 'loop0', pick: 'bw' | 'lat'): Series['points'] =>
    (device === 'device' ? r.vrdma : r.loopback).filter((f) => f.test === test)
      .map((f) => [f.size, pick === 'bw' ? f.bandwidth?.bwAvg ?? Number.NaN : f.latency?.tTypical ?? Number.NaN] as const);
  const pt = (tool: string, pick: 'bw' | 'lat'): Series['points'] =>
    r.perftest.filter((f) => f.tool === tool && f.error === undefined)
      .map((f) => [f.size, pick === 'bw' ? f.bwAverage ?? Number.NaN : f.tTypical ?? Number.NaN] as const);
  const bandwidth: Series[] = [
    { label: 'perftest ib_write_bw', points: pt('ib_write_bw', 'bw') },
    { label: `vrdma write_bw ${r.device}`, points: vr('write_bw', 'device', 'bw') },
    { label: 'perftest ib_read_bw', points: pt('ib_read_bw', 'bw') },
    { label: `vrdma read_bw ${r.device}`, points: vr('read_bw', 'device', 'bw') },
    { label: 'vrdma write_bw loop0', points: vr('write_bw', 'loop0', 'bw') },
    { label: 'Buffer.copy', points: (r.baselines?.copy ?? []).map((c) => [c.size, c.mbps] as const), dashed: true },
    { label: 'Unix socket stream', points: (r.baselines?.socketStream ?? []).map((c) => [c.size, c.mbps] as const), dashed: true },
  ];
  const latency: Series[] = [
    { label: 'perftest ib_send_lat', points: pt('ib_send_lat', 'lat') },
    { label: `vrdma send_lat ${r.device}`, points: vr('send_lat', 'device', 'lat') },
    { label: 'perftest ib_write_lat', points: pt('ib_write_lat', 'lat') },
    { label: `vrdma write_lat ${r.device}`, points: vr('write_lat', 'device', 'lat') },
    { label: 'perftest ib_read_lat', points: pt('ib_read_lat', 'lat') },
    { label: `vrdma read_lat ${r.device}`, points: vr('read_lat', 'device', 'lat') },
    { label: 'vrdma send_lat loop0', points: vr('send_lat', 'loop0', 'lat') },
    { label: 'Unix socket, half RTT', points: (r.baselines?.socketPingPong ?? []).map((c) => [c.size, c.rtt.typical / 2] as const), dashed: true },
  ];
  return {
    'perf-bandwidth.svg': renderChart({ title: 'Bandwidth against message size (BW average)', subtitle: sub, xLabel: 'message size, bytes', yLabel: 'MB/sec (MB = 2^20 bytes)', series: bandwidth }),
    'perf-latency.svg': renderChart({ title: 'Latency against message size (t_typical, one way)', subtitle: sub, xLabel: 'message size, bytes', yLabel: 'usec', series: latency }),
  };
}
