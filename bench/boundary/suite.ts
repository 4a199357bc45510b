/**
 * The boundary figures for every provider this machine has: loop0 (the
 * whole post, transport included, since loop0 moves the bytes inside the
 * call), the native provider's TypeScript side over a do-nothing addon,
 * and a real native device when one is listed.
 */
import { openDevice } from '../../lib/index.js';
import { pickNativeDevice } from '../native/device.js';
import { fixed, renderTable, RULE } from '../report/format.js';
import { boundaryRig, measureBoundary, type BoundaryFigure } from './post-cost.js';
import { BENCH_CLOCK, BOUNDARY_BATCHES } from './measure.js';
import { openStubNative } from './stub-native.js';
import { measureVerbsC } from './verbs-cost.js';

/** The figures of one provider. */
export interface BoundaryRow {
  readonly label: string;
  /** What the figures include. */
  readonly note: string;
  readonly figures: readonly BoundaryFigure[];
}

/** Measure every provider available; `budgetMs` per timed run. */
export async function runBoundary(budgetMs: number, nativeDevice: string | null = null, gidIndex = 1): Promise<BoundaryRow[]> {
  const rows: BoundaryRow[] = [];
  const stub = openStubNative();
  try {
    const rig = await boundaryRig(stub);
    rows.push({
      label: 'native, JS side',
      note: 'validation + packing + the provider; the addon stubbed (a JS call stands in for the Node-API call, a poll returns completions without writing them)',
      figures: measureBoundary(rig, BOUNDARY_BATCHES, budgetMs, true),
    });
  } finally {
    stub.close();
  }
  const loop = await openDevice('loop0', { hub: false });
  try {
    const rig = await boundaryRig(loop);
    rows.push({
      label: 'loop0',
      note: 'validation + the loopback requester, which moves the bytes and completes inside the post',
      figures: measureBoundary(rig, BOUNDARY_BATCHES, budgetMs, false),
    });
  } finally {
    loop.close();
  }
  const pick = pickNativeDevice(nativeDevice);
  if ('name' in pick) {
    const dev = await openDevice(pick.name);
    try {
      const rig = await boundaryRig(dev);
      rows.push({ label: pick.name, note: 'the whole call, the device included', figures: measureBoundary(rig, BOUNDARY_BATCHES, budgetMs, false) });
    } finally {
      dev.close();
    }
    const c = measureVerbsC(pick.name, gidIndex, budgetMs, BOUNDARY_BATCHES);
    const label = `${pick.name}, C`;
    if ('figures' in c) rows.push({ label, note: 'the same work in C: ibv_post_send of one list and ibv_poll_cq (bench/boundary/verbs-cost.c)', figures: c.figures });
    else rows.push({ label, note: `not measured: ${c.reason}`, figures: [] });
  }
  return rows;
}

/** The boundary table. */
export function boundaryText(rows: readonly BoundaryRow[]): string {
  const headers = ['provider', 'batch', 'post ns/WR', 'poll ns/WR', 'post+poll ns/WR', 'prepared post+poll ns/WR'];
  const cells = rows.flatMap((r) => r.figures.map((f) => [
    r.label, String(f.batch), f.postNs === null ? '-' : fixed(f.postNs, 1), f.pollNs === null ? '-' : fixed(f.pollNs, 1), fixed(f.postPollNs, 1), f.preparedPostPollNs === null ? '-' : fixed(f.preparedPostPollNs, 1),
  ]));
  const notes = rows.map((r) => ` ${r.label}: ${r.note}`);
  return [RULE, ` Cost of crossing into the library per work request (RDMA write, 8 B), ${BENCH_CLOCK === 'cpu' ? 'CPU time' : 'wall time'}`, RULE, renderTable(headers, cells), ...notes].join('\n');
}
