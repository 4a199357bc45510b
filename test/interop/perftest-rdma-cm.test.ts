// vrdma perf -R against perftest's own tools in their -R mode: the exchange
// runs as SEND/RECV messages on an rdma_cm connection, and the test QPs are
// connected by rdma_cm, all on the test's port. Our client against
// ib_*_bw -R / ib_*_lat -R servers and their clients against our server, on
// rxe0 in the Soft-RoCE VM (both ends on the one machine, connecting to
// rxe0's own address). Our side runs in this process (`runPerf`, what
// `vrdma perf` runs), perftest's in a child: no Node start per pair, which
// under the VM's emulated CPU costs more than the test itself. One pair at a
// time (our side busy-polls this thread). Small iteration counts. Asserts
// what each side reports (sizes, iteration counts, the report the client
// handed the server), never how fast.
import { describe, expect, it } from 'vitest';
import { openDevice } from '../../lib/index.js';
import { runPerf, type PerfResult } from '../../lib/perf/run.js';
import { perfDefaults, type PerfOptions } from '../../lib/perf/options.js';
import { PERF_TESTS, type PerfTestName } from '../../lib/perf/tests.js';
import { cmTestAddress, cmTestPort } from '../conformance/harness.js';
import { skipReason, testDevice, titled } from '../native/helpers.js';
import { onPath, perftestLine, start, type Ran } from '../native/perftest-run.js';

const TOOLS = ['ib_write_bw', 'ib_read_bw', 'ib_send_lat', 'ib_write_lat'];
const why = skipReason ?? (TOOLS.every(onPath) ? undefined : 'perftest is not installed (Debian package perftest)');
if (why !== undefined && process.env['VRDMA_IN_VM'] === '1') process.stderr.write(`perftest -R interop skipped: ${why}\n`);

/** rxe0's IPv4 address: rdma_cm finds the device by it. */
async function deviceAddress(): Promise<string> {
  const ctx = await openDevice(testDevice);
  try {
    return cmTestAddress(ctx);
  } finally {
    ctx.close();
  }
}

function perftestArgs(size: number, iters: number, port: number): string[] {
  return ['-d', testDevice, '-R', '-F', '-s', String(size), '-n', String(iters), '-p', String(port)];
}

/** `vrdma perf <test> -d <device> -R -s size -n iters -p port [host]`. */
function perfOptions(test: PerfTestName, size: number, iters: number, port: number, host?: string): PerfOptions {
  const t = PERF_TESTS[test];
  return { ...perfDefaults(test, t.kind, t.verb === 'atomic'), device: testDevice, size, iters, port, rdmaCm: true, ...(host === undefined ? {} : { host }) };
}

/** Our client against the perftest server `tool`. */
async function ourClient(tool: string, test: PerfTestName, size: number, iters: number): Promise<{ ours: PerfResult; theirs: Ran }> {
  const port = cmTestPort();
  const address = await deviceAddress();
  // perftest's stdout is a pipe here: stdbuf makes it line-buffered, so its "Waiting for client" shows at once.
  const server = start('stdbuf', ['-oL', tool, ...perftestArgs(size, iters, port)], /Waiting for client/);
  await server.ready;
  const ours = await runPerf(perfOptions(test, size, iters, port, address));
  const theirs = await server.done;
  expect(theirs.code, `${tool} server failed:\n${theirs.out}\n${theirs.err}`).toBe(0);
  return { ours, theirs };
}

/** The perftest client `tool` against our server. */
async function theirClient(tool: string, test: PerfTestName, size: number, iters: number): Promise<{ ours: PerfResult; theirs: Ran }> {
  const port = cmTestPort();
  const address = await deviceAddress();
  const peer: { client: ReturnType<typeof start> | null } = { client: null };
  const ours = await runPerf(perfOptions(test, size, iters, port), {
    onListening: () => { peer.client = start(tool, [...perftestArgs(size, iters, port), address], null); },
  });
  const theirs = await peer.client!.done;
  expect(theirs.code, `${tool} client failed:\n${theirs.out}\n${theirs.err}`).toBe(0);
  return { ours, theirs };
}

describe.skipIf(why !== undefined)(why === undefined ? titled('vrdma perf -R with perftest -R') : `vrdma perf -R with perftest -R (skipped: ${why})`, () => {
  for (const [tool, test] of [['ib_write_bw', 'write_bw'], ['ib_read_bw', 'read_bw']] as const) {
    it(`${test} -R client against an ${tool} -R server: the server prints the client's report`, async () => {
      const { ours, theirs } = await ourClient(tool, test, 65536, 100);
      const mine = ours.bandwidth[0]!;
      expect(mine).toMatchObject({ size: 65536, iters: 100 });
      expect(mine.bwAvg).toBeGreaterThan(0);
      const line = perftestLine(theirs.out);
      expect(line.slice(0, 2)).toEqual([65536, 100]);
      expect(line[3]).toBeCloseTo(mine.bwAvg, 1);
    });
  }

  it('ib_write_bw -R client against a write_bw -R server: the server receives the client\'s report', async () => {
    const { ours, theirs } = await theirClient('ib_write_bw', 'write_bw', 65536, 100);
    const line = perftestLine(theirs.out);
    expect(line.slice(0, 2)).toEqual([65536, 100]);
    expect(ours.peerBandwidth).toMatchObject({ size: 65536, iters: 100 });
    expect(ours.peerBandwidth!.bwAvg).toBeCloseTo(line[3]!, 1);
  });

  for (const [tool, test] of [['ib_send_lat', 'send_lat'], ['ib_write_lat', 'write_lat']] as const) {
    it(`${test} -R client against an ${tool} -R server`, async () => {
      const { ours, theirs } = await ourClient(tool, test, 64, 50);
      expect(ours.latency[0]).toMatchObject({ size: 64, iters: 50 });
      expect(ours.latency[0]!.tMin).toBeGreaterThan(0);
      expect(perftestLine(theirs.out).slice(0, 2)).toEqual([64, 50]);
    });
  }

  it('ib_send_lat -R client against a send_lat -R server', async () => {
    const { ours, theirs } = await theirClient('ib_send_lat', 'send_lat', 64, 50);
    expect(perftestLine(theirs.out).slice(0, 2)).toEqual([64, 50]);
    expect(ours.latency[0]).toMatchObject({ size: 64, iters: 50 });
    expect(ours.latency[0]!.tMin).toBeGreaterThan(0);
  });
});
