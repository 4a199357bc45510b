// vrdma perf against perftest's own tools over perftest's TCP exchange:
// our client against ib_*_bw / ib_*_lat servers, and their clients against
// our server, on the device under test (rxe0 in the Soft-RoCE VM; both ends
// on the one machine, talking over 127.0.0.1). Small iteration counts: the
// VM's CPU is emulated. Asserts what each side reports (sizes, iteration
// counts, the report the client handed the server), never how fast.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, skipReason, testDevice, titled } from './helpers.js';
import { CLI } from '../cli/run-vrdma.js';

const gid = process.env['VRDMA_TEST_GID_INDEX'] ?? '1';
const onPath = (tool: string): boolean => (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, tool)));
const haveTools = ['ib_write_bw', 'ib_read_bw', 'ib_send_lat', 'ib_write_lat', 'ib_read_lat'].every(onPath);
const why = skipReason ?? (haveTools ? (existsSync(CLI) ? undefined : `${CLI} is missing (npm run build)`) : 'perftest is not installed (Debian package perftest)');
const LIMIT_MS = 60_000;
let nextPort = 18700;
// Say why in the log: a skip inside the VM means the interop checks did not run.
if (why !== undefined && process.env['VRDMA_IN_VM'] === '1') process.stderr.write(`perftest interop skipped: ${why}\n`);

interface Ran { code: number | null; out: string; err: string }

/** Start a command; `ready` resolves once `marker` shows on stdout or stderr; `done` when it exits. */
function start(cmd: string, args: readonly string[], marker: RegExp | null): { ready: Promise<void>; done: Promise<Ran> } {
  const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => { markReady = resolve; });
  if (marker === null) markReady();
  const check = (): void => { if (marker && marker.test(out + err)) markReady(); };
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); check(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); check(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
  const done = new Promise<Ran>((resolve) => {
    child.on('close', (code) => { clearTimeout(timer); markReady(); resolve({ code, out, err }); });
  });
  return { ready, done };
}

function perftestArgs(size: number, iters: number, port: number): string[] {
  return ['-d', testDevice, '-x', gid, '-F', '-s', String(size), '-n', String(iters), '-p', String(port)];
}

function vrdmaArgs(test: string, size: number, iters: number, port: number): string[] {
  return [CLI, 'perf', test, '-d', testDevice, '-x', gid, '-s', String(size), '-n', String(iters), '-p', String(port), '--json'];
}

/** perftest's result line: the first line of numbers after the column header. */
function perftestLine(out: string): number[] {
  const lines = out.split('\n');
  const h = lines.findIndex((l) => /#bytes\s+#iterations/.test(l));
  // Size and iterations first; perftest prints "inf" for times when it cannot read the CPU clock rate (emulated CPUs).
  for (const l of lines.slice(h + 1)) {
    const cells = l.trim().split(/\s+/).map((c) => (/^-?inf$/i.test(c) ? Number.POSITIVE_INFINITY : Number(c)));
    if (cells.length >= 3 && Number.isInteger(cells[0]) && Number.isInteger(cells[1])) return cells;
  }
  throw new Error(`no result line in perftest output:\n${out}`);
}

interface PerfJson {
  result: {
    role: string;
    latency: Array<{ size: number; iters: number; tMin: number; tTypical: number }>;
    bandwidth: Array<{ size: number; iters: number; bwAvg: number; bwPeak: number; msgRate: number }>;
    peerBandwidth?: { size: number; iters: number; bwAvg: number; bwPeak: number; msgRate: number };
  };
}

function parsed(r: Ran): PerfJson {
  expect(r.code, `vrdma perf failed:\n${r.err}\n${r.out}`).toBe(0);
  return JSON.parse(r.out) as PerfJson;
}

/** Our client against a perftest server. */
async function ourClient(tool: string, test: string, size: number, iters: number): Promise<{ ours: PerfJson; theirs: Ran }> {
  const port = nextPort++;
  // perftest's stdout is a pipe here: stdbuf makes it line-buffered, so its "Waiting for client" shows at once.
  const server = start('stdbuf', ['-oL', tool, ...perftestArgs(size, iters, port)], /Waiting for client/);
  await server.ready;
  const client = start(process.execPath, [...vrdmaArgs(test, size, iters, port), '127.0.0.1'], null);
  const [c, s] = await Promise.all([client.done, server.done]);
  const ours = parsed(c);
  expect(s.code, `${tool} server failed:\n${s.out}\n${s.err}`).toBe(0);
  return { ours, theirs: s };
}

/** A perftest client against our server. */
async function theirClient(tool: string, test: string, size: number, iters: number): Promise<{ ours: PerfJson; theirs: Ran }> {
  const port = nextPort++;
  const server = start(process.execPath, vrdmaArgs(test, size, iters, port), /waiting for a client/);
  await server.ready;
  const client = start(tool, [...perftestArgs(size, iters, port), '127.0.0.1'], null);
  const [s, c] = await Promise.all([server.done, client.done]);
  expect(c.code, `${tool} client failed:\n${c.out}\n${c.err}`).toBe(0);
  return { ours: parsed(s), theirs: c };
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
