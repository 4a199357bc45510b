// vrdma perf against perftest's own tools over perftest's TCP exchange:
// our client against ib_*_bw / ib_*_lat servers, and their clients against
// our server, on the device under test (rxe0 in the Soft-RoCE VM; both ends
// on the one machine, talking over 127.0.0.1). Small iteration counts: the
// VM's CPU is emulated. Asserts what each side reports (sizes, iteration
// counts, the report the client handed the server), never how fast.
//
// write_bw runs through the `vrdma perf` command line, both ways. The other
// tests run our side in this process (`runPerf`, what the command runs) and
// perftest's in a child: under the VM's emulated CPU a Node start costs more
// than the pair itself.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runPerf, type PerfResult } from '../../lib/perf/run.js';
import { perfDefaults, type PerfOptions } from '../../lib/perf/options.js';
import { PERF_TESTS, type PerfTestName } from '../../lib/perf/tests.js';
import { skipReason, testDevice, titled } from './helpers.js';
import { onPath, perftestClient, perftestLine, start, vrdmaClient, type PerfJson, type Ran } from './perftest-run.js';
import { CLI } from '../cli/run-vrdma.js';

const gid = process.env['VRDMA_TEST_GID_INDEX'] ?? '1';
const haveTools = ['ib_write_bw', 'ib_read_bw', 'ib_send_lat', 'ib_write_lat', 'ib_read_lat'].every(onPath);
const why = skipReason ?? (haveTools ? (existsSync(CLI) ? undefined : `${CLI} is missing (npm run build)`) : 'perftest is not installed (Debian package perftest)');
let nextPort = 18700;
// Say why in the log: a skip inside the VM means the interop checks did not run.
if (why !== undefined && process.env['VRDMA_IN_VM'] === '1') process.stderr.write(`perftest interop skipped: ${why}\n`);

function perftestArgs(size: number, iters: number, port: number): string[] {
  return ['-d', testDevice, '-x', gid, '-F', '-s', String(size), '-n', String(iters), '-p', String(port)];
}

function vrdmaArgs(test: string, size: number, iters: number, port: number): string[] {
  return [CLI, 'perf', test, '-d', testDevice, '-x', gid, '-s', String(size), '-n', String(iters), '-p', String(port), '--json'];
}

/** `vrdma perf <test> -d <device> -x <gid> -s size -n iters -p port [host]`, as options. */
function perfOptions(test: PerfTestName, size: number, iters: number, port: number, host?: string): PerfOptions {
  const t = PERF_TESTS[test];
  return { ...perfDefaults(test, t.kind, t.verb === 'atomic'), device: testDevice, gidIndex: Number(gid), size, iters, port, ...(host === undefined ? {} : { host }) };
}

/** Our client, in this process, against the perftest server `tool`. */
async function ourClient(tool: string, test: PerfTestName, size: number, iters: number): Promise<{ ours: PerfResult; theirs: Ran }> {
  const port = nextPort++;
  // perftest's stdout is a pipe here: stdbuf makes it line-buffered, so its "Waiting for client" shows at once.
  const server = start('stdbuf', ['-oL', tool, ...perftestArgs(size, iters, port)], /Waiting for client/);
  await server.ready;
  const ours = await runPerf(perfOptions(test, size, iters, port, '127.0.0.1'));
  const theirs = await server.done;
  expect(theirs.code, `${tool} server failed:\n${theirs.out}\n${theirs.err}`).toBe(0);
  return { ours, theirs };
}

/** The perftest client `tool` against our server, in this process. */
async function theirClient(tool: string, test: PerfTestName, size: number, iters: number): Promise<{ ours: PerfResult; theirs: Ran }> {
  const port = nextPort++;
  const peer: { client: ReturnType<typeof start> | null } = { client: null };
  const ours = await runPerf(perfOptions(test, size, iters, port), {
    onListening: () => { peer.client = start(tool, [...perftestArgs(size, iters, port), '127.0.0.1'], null); },
  });
  const theirs = await peer.client!.done;
  expect(theirs.code, `${tool} client failed:\n${theirs.out}\n${theirs.err}`).toBe(0);
  return { ours, theirs };
}

// The two command-line pairs at once (each on its own port): a pair spends
// most of its time starting Node and perftest, one process after the other,
// which leaves the VM's second CPU idle. The rxe config caps concurrent tests at two.
describe.skipIf(why !== undefined)(why === undefined ? titled('the vrdma perf command with perftest') : `the vrdma perf command with perftest (skipped: ${why})`, { concurrent: true }, () => {
  it('vrdma perf write_bw client against an ib_write_bw server: the server prints the client\'s report', async () => {
    const port = nextPort++;
    const { ours, theirs } = await vrdmaClient('ib_write_bw', perftestArgs(65536, 200, port), vrdmaArgs('write_bw', 65536, 200, port), '127.0.0.1');
    const mine = ours.result.bandwidth[0]!;
    expect(mine).toMatchObject({ size: 65536, iters: 200 });
    const line = perftestLine(theirs.out);
    expect(line.slice(0, 2)).toEqual([65536, 200]);
    expect(line[3]).toBeCloseTo(mine.bwAvg, 1);
  });

  it('ib_write_bw client against a vrdma perf write_bw server: the server receives the client\'s report', async () => {
    const port = nextPort++;
    const { ours, theirs }: { ours: PerfJson; theirs: Ran } = await perftestClient('ib_write_bw', perftestArgs(65536, 200, port), vrdmaArgs('write_bw', 65536, 200, port), '127.0.0.1');
    const line = perftestLine(theirs.out);
    expect(line.slice(0, 2)).toEqual([65536, 200]);
    expect(ours.result.peerBandwidth).toMatchObject({ size: 65536, iters: 200 });
    expect(ours.result.peerBandwidth!.bwAvg).toBeCloseTo(line[3]!, 1);
  });
});

// One pair at a time: our side busy-polls this thread.
describe.skipIf(why !== undefined)(why === undefined ? titled('vrdma perf with perftest') : `vrdma perf with perftest (skipped: ${why})`, () => {
  it('read_bw client against an ib_read_bw server: the server prints the client\'s report', async () => {
    const { ours, theirs } = await ourClient('ib_read_bw', 'read_bw', 65536, 200);
    const mine = ours.bandwidth[0]!;
    expect(mine).toMatchObject({ size: 65536, iters: 200 });
    const line = perftestLine(theirs.out);
    expect(line.slice(0, 2)).toEqual([65536, 200]);
    expect(line[3]).toBeCloseTo(mine.bwAvg, 1);
  });

  it('ib_read_bw client against a read_bw server: the server receives the client\'s report', async () => {
    const { ours, theirs } = await theirClient('ib_read_bw', 'read_bw', 65536, 200);
    const line = perftestLine(theirs.out);
    expect(line.slice(0, 2)).toEqual([65536, 200]);
    expect(ours.peerBandwidth).toMatchObject({ size: 65536, iters: 200 });
    expect(ours.peerBandwidth!.bwAvg).toBeCloseTo(line[3]!, 1);
  });

  for (const [tool, test] of [['ib_send_lat', 'send_lat'], ['ib_write_lat', 'write_lat'], ['ib_read_lat', 'read_lat']] as const) {
    it(`${test} client against an ${tool} server`, async () => {
      const { ours, theirs } = await ourClient(tool, test, 64, 100);
      expect(ours.latency[0]).toMatchObject({ size: 64, iters: 100 });
      expect(ours.latency[0]!.tMin).toBeGreaterThan(0);
      if (test !== 'read_lat') expect(perftestLine(theirs.out).slice(0, 2)).toEqual([64, 100]);
    });

    it(`${tool} client against a ${test} server`, async () => {
      const { ours, theirs } = await theirClient(tool, test, 64, 100);
      expect(perftestLine(theirs.out).slice(0, 2)).toEqual([64, 100]);
      if (test !== 'read_lat') expect(ours.latency[0]).toMatchObject({ size: 64, iters: 100 });
    });
  }
});
