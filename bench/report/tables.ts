import type { Baselines } from '../baselines/run-baselines.js';
import type { TestKind } from '../core/messages.js';
import type { PlacementResult } from '../verbs/suite.js';
import { isLatency } from '../verbs/measure.js';
import { fixed, percent, renderTable, RULE, times } from './format.js';

const TEST_TITLES: Record<TestKind, string> = {
  send_lat: 'Send/receive ping-pong (ib_send_lat)',
  write_lat: 'RDMA write ping-pong (ib_write_lat)',
  write_bw: 'RDMA write streaming (ib_write_bw)',
  send_bw: 'Send streaming (ib_send_bw)',
};

/** An Atomics round trip above this means the two threads were not running at once. */
const OVERSUBSCRIBED_US = 2;

function bySize<T extends { size: number }>(list: readonly T[]): Map<number, T> {
  return new Map(list.map((x) => [x.size, x]));
}

/** The table of the limits alone (`--only baselines`, and the top of every run). */
export function baselinesTable(b: Baselines): string {
  const sizes = [...new Set([...b.copy.map((x) => x.size), ...b.socketPingPong.map((x) => x.size)])].sort((x, y) => x - y);
  const copy = bySize(b.copy);
  const set = bySize(b.set);
  const stream = bySize(b.socketStream);
  const ping = bySize(b.socketPingPong);
  const busy = bySize(b.socketPingPongBusy);
  const rows = sizes.map((s) => [
    String(s), fixed(copy.get(s)?.mbps, 1), fixed(copy.get(s)?.mpps, 2), fixed(set.get(s)?.mbps, 1),
    fixed(stream.get(s)?.mbps, 1), fixed(stream.get(s)?.mpps, 3), fixed(ping.get(s)?.rtt.typical, 2), fixed(ping.get(s)?.rtt.p99, 2),
    fixed(busy.get(s)?.rtt.typical, 2), fixed(busy.get(s)?.rtt.p99, 2),
  ]);
  const out = [
    RULE,
    ' Limits measured in this run (MB = 2^20 bytes; round trips in usec)',
    RULE,
    renderTable(['#bytes', 'Buffer.copy[MB/sec]', 'copy[Mops]', 'TypedArray.set[MB/sec]', 'unix-sock[MB/sec]', 'sock[Mpps]', 'sock_rtt_typ', 'sock_rtt_p99', 'busy_rtt_typ', 'busy_rtt_p99'], rows),
    ' unix-sock: one process streams to another; sock_rtt: ping-pong, both processes sleep between messages;',
    ' busy_rtt: the same with both event loops kept turning (setImmediate), so no process wakes from sleep.',
  ];
  if (b.atomics) {
    const a = b.atomics.rtt;
    out.push(` Atomics spin ping-pong, main <-> worker, ${b.atomics.iters} iterations: t_typical ${fixed(a.typical, 3)}  t_avg ${fixed(a.avg, 3)}  t_p99 ${fixed(a.p99, 3)} usec round trip`);
    if (a.typical > OVERSUBSCRIBED_US) {
      out.push(` warning: two spinning threads rarely ran at the same time (other load on the CPUs?): spin-polled worker figures of this run measure the scheduler, not the transport`);
    }
  }
  const starved = b.socketPingPongBusy.some((x) => {
    const sleeping = ping.get(x.size)?.rtt.typical;
    return sleeping !== undefined && x.rtt.typical > sleeping;
  });
  if (starved) {
    out.push(' warning: the busy ping-pong was slower than the sleeping one: two busy processes did not get two CPUs at once'
      + ' (other load?); busy_rtt and the polling cross-process figures of this run measure the scheduler');
  }
  for (const e of b.errors) out.push(` unavailable: ${e}`);
  return out.join('\n');
}

function latencyTable(p: PlacementResult, kind: TestKind, b: Baselines): string {
  // A side that sleeps in cq.wait() is set beside the sleeping socket; one that polls, beside the busy one.
  const sleeps = p.mode === 'wait';
  const ping = bySize(sleeps ? b.socketPingPong : b.socketPingPongBusy);
  const worker = p.kind === 'worker';
  const atomics = b.atomics?.rtt.typical;
  const rows = p.results.filter((m) => m.kind === kind).map((m) => {
    if (m.error !== undefined || !m.latency) return [String(m.size), String(m.iters), `failed: ${m.error ?? 'no figure'}`];
    const l = m.latency;
    const sock = ping.get(m.size)?.rtt.typical;
    const cells = [
      String(m.size), String(m.iters), fixed(l.min, 2), fixed(l.typical, 2), fixed(l.avg, 2), fixed(l.p99, 2), fixed(l.max, 1),
      fixed(sock, 2), sock === undefined ? '-' : times(l.typical / sock),
    ];
    if (worker) cells.push(fixed(atomics, 3), atomics === undefined ? '-' : times(l.typical / atomics));
    return cells;
  });
  const headers = ['#bytes', '#iterations', 't_min', 't_typical', 't_avg', 't_p99', 't_max', sleeps ? 'sock_rtt' : 'busy_sock_rtt', 'vs_sock'];
  if (worker) headers.push('atomics_rtt', 'vs_atomics');
  return renderTable(headers, rows);
}

function bandwidthTable(p: PlacementResult, kind: TestKind, b: Baselines): string {
  const copy = bySize(b.copy);
  const set = bySize(b.set);
  const stream = bySize(b.socketStream);
  const rows = p.results.filter((m) => m.kind === kind).map((m) => {
    if (m.error !== undefined || m.mbps === undefined) return [String(m.size), String(m.iters), `failed: ${m.error ?? 'no figure'}`];
    const c = copy.get(m.size)?.mbps;
    const s = set.get(m.size)?.mbps;
    const k = stream.get(m.size)?.mbps;
    return [
      String(m.size), String(m.iters), fixed(m.mbps, 1), fixed(m.mpps, 3),
      fixed(c, 1), percent(c === undefined ? undefined : m.mbps / c),
      fixed(s, 1), percent(s === undefined ? undefined : m.mbps / s),
      fixed(k, 1), percent(k === undefined ? undefined : m.mbps / k),
    ];
  });
  return renderTable(['#bytes', '#iterations', 'BW_average[MB/sec]', 'MsgRate[Mpps]', 'copy[MB/sec]', 'of_copy', 'set[MB/sec]', 'of_set', 'sock[MB/sec]', 'of_sock'], rows);
}

/** Every table of one placement, or its "unavailable" line. */
export function placementTables(p: PlacementResult, tests: readonly TestKind[], b: Baselines): string {
  const out = [RULE, ` ${p.label}`, RULE];
  if (!p.available) {
    out.push(` unavailable: ${p.reason ?? 'unknown reason'}`);
    return out.join('\n');
  }
  for (const kind of tests) {
    if (!p.results.some((m) => m.kind === kind)) continue;
    out.push(` ${TEST_TITLES[kind]}${isLatency(kind) ? ' - round trip in usec (perftest prints half of it)' : ' - MB = 2^20 bytes'}`);
    out.push(isLatency(kind) ? latencyTable(p, kind, b) : bandwidthTable(p, kind, b));
    out.push('');
  }
  const lost = p.results.filter((m) => m.lostWakeups > 0);
  if (lost.length > 0) {
    out.push(' note: cq.wait() missed its wake-up (still waiting after 50 ms with completions ready; the bench polled them): '
      + lost.map((m) => `${m.kind} ${m.size} B x${m.lostWakeups}`).join(', '));
  }
  if (p.reason) out.push(` note: ${p.reason}`);
  return out.join('\n');
}
