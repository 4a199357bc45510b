import type { PerfResult } from './run.js';
import type { BwReport, LatencyReport } from './report.js';
import type { WireBwReport } from './wire/session.js';

/** perftest's rule line. */
export const PERF_RULE = '---------------------------------------------------------------------------------------';

const MTU_BYTES = [0, 256, 512, 1024, 2048, 4096];

function f(value: number, digits: number, width: number): string {
  return (Number.isFinite(value) ? value.toFixed(digits) : '-').padEnd(width);
}

/** perftest's latency header line. */
export const LATENCY_HEADER = ' #bytes #iterations    t_min[usec]    t_max[usec]  t_typical[usec]    t_avg[usec]    t_stdev[usec]   99% percentile[usec]   99.9% percentile[usec]';

/** perftest's bandwidth header line, in MB/s or Gb/s. */
export function bandwidthHeader(gbits: boolean): string {
  const u = gbits ? 'Gb/sec' : 'MB/sec';
  return ` #bytes     #iterations    BW peak[${u}]    BW average[${u}]   MsgRate[Mpps]`;
}

/** One latency line in perftest's columns. */
export function latencyLine(r: LatencyReport): string {
  return ` ${String(r.size).padEnd(7)} ${String(r.iters).padEnd(10)}   ${f(r.tMin, 2, 14)} ${f(r.tMax, 2, 12)} ${f(r.tTypical, 2, 16)} ${f(r.tAvg, 2, 14)} ${f(r.tStdev, 2, 15)} ${f(r.p99, 2, 22)} ${f(r.p999, 2, 7)}`.trimEnd();
}

/** One bandwidth line in perftest's columns. */
export function bandwidthLine(r: BwReport | WireBwReport): string {
  return ` ${String(r.size).padEnd(7)}    ${String(r.iters).padEnd(10)}       ${f(r.bwPeak, 2, 18)} ${f(r.bwAvg, 2, 20)} ${f(r.msgRate, 6, 8)}`.trimEnd();
}

/** A run's result as text: a short header, then perftest's table. */
export function formatPerfText(r: PerfResult, gbits: boolean): string {
  const lines = [
    PERF_RULE,
    ` vrdma perf ${r.test} (speaks with perftest's ib_${r.test}), ${r.role}`,
    ` Device: ${r.device} (${r.provider})  QPs: ${r.qps}  MTU: ${MTU_BYTES[r.mtu] ?? r.mtu}[B]  GID in records: ${r.gid ? 'yes' : 'no'}  peer version: ${r.peerVersion}`,
    PERF_RULE,
  ];
  if (r.latency.length > 0) {
    lines.push(LATENCY_HEADER, ...r.latency.map(latencyLine));
  } else if (r.bandwidth.length > 0) {
    lines.push(bandwidthHeader(gbits), ...r.bandwidth.map(bandwidthLine));
  } else if (r.peerBandwidth) {
    lines.push(bandwidthHeader(gbits), bandwidthLine(r.peerBandwidth), ' (the client\'s figures, as it reported them)');
  } else {
    lines.push(' (the client measures this test; see its output)');
  }
  lines.push(PERF_RULE);
  return `${lines.join('\n')}\n`;
}
