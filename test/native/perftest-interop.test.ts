// vrdma perf against perftest's own tools over perftest's TCP exchange:
// our client against ib_*_bw / ib_*_lat servers, and their clients against
// our server, on the device under test (rxe0 in the Soft-RoCE VM; both ends
// on the one machine, talking over 127.0.0.1). Small iteration counts: the
// VM's CPU is emulated. Asserts what each side reports (sizes, iteration
// counts, the report the client handed the server), never how fast.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { skipReason, testDevice, titled } from './helpers.js';
import { onPath, perftestClient, perftestLine, vrdmaClient, type PerfJson, type Ran } from './perftest-run.js';
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

/** Our client against a perftest server. */
function ourClient(tool: string, test: string, size: number, iters: number): Promise<{ ours: PerfJson; theirs: Ran }> {
  const port = nextPort++;
  return vrdmaClient(tool, perftestArgs(size, iters, port), vrdmaArgs(test, size, iters, port), '127.0.0.1');
}

/** A perftest client against our server. */
function theirClient(tool: string, test: string, size: number, iters: number): Promise<{ ours: PerfJson; theirs: Ran }> {
  const port = nextPort++;
  return perftestClient(tool, perftestArgs(size, iters, port), vrdmaArgs(test, size, iters, port), '127.0.0.1');
}

// Two pairs at a time (each on its own port): a pair spends most of its time
// starting Node and perftest, one process after the other, which leaves the
// VM's second CPU idle. The rxe config caps concurrent tests at two.
describe.skipIf(why !== undefined)(why === undefined ? titled('vrdma perf with perftest') : `vrdma perf with perftest (skipped: ${why})`, { concurrent: true }, () => {
  for (const [tool, test] of [['ib_write_bw', 'write_bw'], ['ib_read_bw', 'read_bw']] as const) {
    it(`${test} client against an ${tool} server: the server prints the client's report`, async () => {
      const { ours, theirs } = await ourClient(tool, test, 65536, 200);
      const mine = ours.result.bandwidth[0]!;
      expect(mine).toMatchObject({ size: 65536, iters: 200 });
      const line = perftestLine(theirs.out);
      expect(line.slice(0, 2)).toEqual([65536, 200]);
      expect(line[3]).toBeCloseTo(mine.bwAvg, 1);
    });

    it(`${tool} client against a ${test} server: the server receives the client's report`, async () => {
      const { ours, theirs } = await theirClient(tool, test, 65536, 200);
      const line = perftestLine(theirs.out);
      expect(line.slice(0, 2)).toEqual([65536, 200]);
      expect(ours.result.peerBandwidth).toBeDefined();
      expect(ours.result.peerBandwidth!).toMatchObject({ size: 65536, iters: 200 });
      expect(ours.result.peerBandwidth!.bwAvg).toBeCloseTo(line[3]!, 1);
    });
  }

  for (const [tool, test] of [['ib_send_lat', 'send_lat'], ['ib_write_lat', 'write_lat'], ['ib_read_lat', 'read_lat']] as const) {
    it(`${test} client against an ${tool} server`, async () => {
      const { ours, theirs } = await ourClient(tool, test, 64, 100);
      expect(ours.result.latency[0]).toMatchObject({ size: 64, iters: 100 });
      expect(ours.result.latency[0]!.tMin).toBeGreaterThan(0);
      if (test !== 'read_lat') expect(perftestLine(theirs.out).slice(0, 2)).toEqual([64, 100]);
    });

    it(`${tool} client against a ${test} server`, async () => {
      const { ours, theirs } = await theirClient(tool, test, 64, 100);
      expect(perftestLine(theirs.out).slice(0, 2)).toEqual([64, 100]);
      if (test !== 'read_lat') expect(ours.result.latency[0]).toMatchObject({ size: 64, iters: 100 });
    });
  }
});
