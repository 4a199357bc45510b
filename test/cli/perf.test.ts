// `vrdma perf` on loop0: a server and a client process meet over perftest's
// TCP exchange (or with -R over loop0's rdma_cm) and their queue pairs over
// the loopback hub (a hub private to this test, in its own runtime directory).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, jsonOf, runVrdma } from './run-vrdma.js';

const runtime = mkdtempSync(join(tmpdir(), 'vrdma-perf-test-'));
const env = { VRDMA_RUNTIME_DIR: runtime };
let port = 19400 + Math.floor(Math.random() * 500);

afterAll(() => {
  runVrdma(['hub', 'stop'], env);
  rmSync(runtime, { recursive: true, force: true });
});

interface Ran { code: number | null; stdout: string; stderr: string }

function launch(args: readonly string[], readyOn: RegExp | null): { ready: Promise<void>; done: Promise<Ran> } {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VRDMA_')));
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let ready: () => void = () => {};
  const readyP = new Promise<void>((r) => { ready = r; });
  if (readyOn === null) ready();
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); if (readyOn?.test(stderr)) ready(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const done = new Promise<Ran>((r) => child.on('close', (code) => { clearTimeout(timer); ready(); r({ code, stdout, stderr }); }));
  return { ready: readyP, done };
}

async function pair(test: string, flags: readonly string[]): Promise<{ server: Ran; client: Ran }> {
  const p = String(port++);
  const server = launch(['perf', test, '-d', 'loop0', '-p', p, ...flags], /waiting for a client/);
  await server.ready;
  const client = launch(['perf', test, '-d', 'loop0', '-p', p, ...flags, '127.0.0.1'], null);
  const [s, c] = await Promise.all([server.done, client.done]);
  expect(c.code, `client: ${c.stderr}`).toBe(0);
  expect(s.code, `server: ${s.stderr}`).toBe(0);
  return { server: s, client: c };
}

describe('vrdma perf', () => {
  it('rejects an unknown test with the nearest name, and bad flags, with exit 2', () => {
    const typo = runVrdma(['perf', 'write_bx'], env);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown perf test "write_bx" (did you mean "write_bw"?)');
    const flag = runVrdma(['perf', 'write_bw', '--report-gbits'], env);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('(did you mean "--report_gbits"?)');
    expect(runVrdma(['perf', 'write_bw', '-n', 'many'], env).stderr).toContain('-n wants a whole number');
    expect(runVrdma(['perf', 'atomic_bw', '-s', '64'], env).code).toBe(2);
    expect(runVrdma(['perf'], env).stderr).toContain('perf needs a test');
  });

  it('write_bw: the client measures, the server receives the client\'s report; --json and a JSON file', async () => {
    const file = join(runtime, 'write_bw.json');
    const { server, client } = await pair('write_bw', ['-s', '4096', '-n', '64', '--json']);
    const c = jsonOf({ code: client.code, stdout: client.stdout, stderr: client.stderr }) as { result: { bandwidth: Array<Record<string, number>> } };
    const s = jsonOf({ code: server.code, stdout: server.stdout, stderr: server.stderr }) as { result: { peerBandwidth: Record<string, number> } };
    const line = c.result.bandwidth[0]!;
    expect(line).toMatchObject({ size: 4096, iters: 64 });
    expect(line['bwAvg']).toBeGreaterThan(0);
    expect(s.result.peerBandwidth).toEqual({ size: 4096, iters: 64, bwPeak: line['bwPeak'], bwAvg: line['bwAvg'], msgRate: line['msgRate'] });
    const again = await pair('read_bw', ['-s', '4096', '-n', '32', '--out_json_file', file]);
    expect(again.client.stdout).toContain('BW average[MB/sec]');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ result: { test: 'read_bw' } });
  });

  it('send_lat and write_lat: both sides report the ping-pong in perftest\'s columns', async () => {
    for (const test of ['send_lat', 'write_lat']) {
      const { server, client } = await pair(test, ['-s', '64', '-n', '40']);
      for (const out of [server.stdout, client.stdout]) {
        expect(out).toContain('t_typical[usec]');
        expect(out).toMatch(/^ 64\s+40\s+\d/m);
      }
    }
  });

  it('read_lat, atomic_lat, send_bw and atomic_bw complete with the right counts', async () => {
    const lat = await pair('read_lat', ['-s', '256', '-n', '20', '--json']);
    expect(JSON.parse(lat.client.stdout)).toMatchObject({ result: { latency: [{ size: 256, iters: 20 }] } });
    const atomic = await pair('atomic_lat', ['-n', '20', '--json']);
    expect(JSON.parse(atomic.client.stdout)).toMatchObject({ result: { latency: [{ size: 8, iters: 20 }] } });
    const send = await pair('send_bw', ['-s', '1024', '-n', '50', '--json']);
    expect(JSON.parse(send.server.stdout)).toMatchObject({ result: { bandwidth: [{ size: 1024, iters: 50 }] } });
    expect(JSON.parse(send.client.stdout)).toMatchObject({ result: { bandwidth: [{ size: 1024, iters: 50 }] } });
    const abw = await pair('atomic_bw', ['-n', '50', '-q', '2', '--json']);
    expect(JSON.parse(abw.client.stdout)).toMatchObject({ result: { qps: 2, bandwidth: [{ size: 8, iters: 100 }] } });
  });

  it('-R: the exchange and the QPs over rdma_cm (loop0\'s CM through the hub); write_bw on 2 QPs, send_lat, read_lat', async () => {
    const bw = await pair('write_bw', ['-R', '-s', '4096', '-n', '32', '-q', '2', '--json']);
    const c = JSON.parse(bw.client.stdout) as { result: { bandwidth: Array<Record<string, number>> } };
    const line = c.result.bandwidth[0]!;
    expect(line).toMatchObject({ size: 4096, iters: 64 });
    expect(JSON.parse(bw.server.stdout)).toMatchObject({ options: { rdmaCm: true }, result: { qps: 2, peerBandwidth: { size: 4096, iters: 64, bwAvg: line['bwAvg'] } } });
    const lat = await pair('send_lat', ['-R', '-s', '64', '-n', '20', '--json']);
    for (const out of [lat.server.stdout, lat.client.stdout]) expect(JSON.parse(out)).toMatchObject({ result: { latency: [{ size: 64, iters: 20 }] } });
    const read = await pair('read_lat', ['-R', '-s', '256', '-n', '20', '--json']);
    expect(JSON.parse(read.client.stdout)).toMatchObject({ result: { latency: [{ size: 256, iters: 20 }] } });
  });
});
