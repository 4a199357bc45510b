// vrdma perf -R against perftest's own tools in their -R mode: the exchange
// runs as SEND/RECV messages on an rdma_cm connection, and the test QPs are
// connected by rdma_cm, all on the test's port. Our client against
// ib_*_bw -R / ib_*_lat -R servers and their clients against our server, on
// rxe0 in the Soft-RoCE VM (both ends on the one machine, connecting to
// rxe0's own address). Small iteration counts: the VM's CPU is emulated.
// Asserts what each side reports (sizes, iteration counts, the report the
// client handed the server), never how fast.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openDevice } from '../../lib/index.js';
import { cmTestAddress, cmTestPort } from '../conformance/harness.js';
import { skipReason, testDevice, titled } from '../native/helpers.js';
import { onPath, perftestClient, perftestLine, vrdmaClient, type PerfJson, type Ran } from '../native/perftest-run.js';
import { CLI } from '../cli/run-vrdma.js';

const TOOLS = ['ib_write_bw', 'ib_read_bw', 'ib_send_lat', 'ib_write_lat'];
const why = skipReason ?? (TOOLS.every(onPath) ? (existsSync(CLI) ? undefined : `${CLI} is missing (npm run build)`) : 'perftest is not installed (Debian package perftest)');
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

function vrdmaArgs(test: string, size: number, iters: number, port: number): string[] {
  return [CLI, 'perf', test, '-d', testDevice, '-R', '-s', String(size), '-n', String(iters), '-p', String(port), '--json'];
}

async function ourClient(tool: string, test: string, size: number, iters: number): Promise<{ ours: PerfJson; theirs: Ran }> {
  const port = cmTestPort();
  return vrdmaClient(tool, perftestArgs(size, iters, port), vrdmaArgs(test, size, iters, port), await deviceAddress());
}

async function theirClient(tool: string, test: string, size: number, iters: number): Promise<{ ours: PerfJson; theirs: Ran }> {
  const port = cmTestPort();
  return perftestClient(tool, perftestArgs(size, iters, port), vrdmaArgs(test, size, iters, port), await deviceAddress());
}

// Two pairs at a time (each on its own port), as in the TCP interop file.
describe.skipIf(why !== undefined)(why === undefined ? titled('vrdma perf -R with perftest -R') : `vrdma perf -R with perftest -R (skipped: ${why})`, { concurrent: true }, () => {
  for (const [tool, test] of [['ib_write_bw', 'write_bw'], ['ib_read_bw', 'read_bw']] as const) {
    it(`${test} -R client against an ${tool} -R server: the server prints the client's report`, async () => {
      const { ours, theirs } = await ourClient(tool, test, 65536, 100);
      const mine = ours.result.bandwidth[0]!;
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
    expect(ours.result.peerBandwidth).toMatchObject({ size: 65536, iters: 100 });
    expect(ours.result.peerBandwidth!.bwAvg).toBeCloseTo(line[3]!, 1);
  });

  for (const [tool, test] of [['ib_send_lat', 'send_lat'], ['ib_write_lat', 'write_lat']] as const) {
    it(`${test} -R client against an ${tool} -R server`, async () => {
      const { ours, theirs } = await ourClient(tool, test, 64, 50);
      expect(ours.result.latency[0]).toMatchObject({ size: 64, iters: 50 });
      expect(ours.result.latency[0]!.tMin).toBeGreaterThan(0);
      expect(perftestLine(theirs.out).slice(0, 2)).toEqual([64, 50]);
    });
  }

  it('ib_send_lat -R client against a send_lat -R server', async () => {
    const { ours, theirs } = await theirClient('ib_send_lat', 'send_lat', 64, 50);
    expect(perftestLine(theirs.out).slice(0, 2)).toEqual([64, 50]);
    expect(ours.result.latency[0]).toMatchObject({ size: 64, iters: 50 });
    expect(ours.result.latency[0]!.tMin).toBeGreaterThan(0);
  });
});
