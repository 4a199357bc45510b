import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BwReport, LatencyReport } from '../../lib/perf/report.js';

/** The built CLI. */
const CLI = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));

/** One `vrdma perf` pair: a server and a client process on one device. */
export interface VrdmaPerfRun {
  readonly test: string;
  readonly device: string;
  readonly gidIndex?: number;
  readonly size: number;
  readonly iters: number;
  readonly port: number;
  readonly timeoutMs: number;
}

/** The client's line, or why there is none. */
export interface VrdmaPerfFigure {
  readonly test: string;
  readonly device: string;
  readonly size: number;
  readonly latency?: LatencyReport;
  readonly bandwidth?: BwReport;
  readonly error?: string;
}

interface Ran { code: number | null; out: string; err: string }

function launch(args: readonly string[], timeoutMs: number, readyOn: RegExp | null): { ready: Promise<void>; done: Promise<Ran> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let ready: () => void = () => {};
  const readyP = new Promise<void>((r) => { ready = r; });
  if (readyOn === null) ready();
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); if (readyOn?.test(err)) ready(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<Ran>((r) => child.on('close', (code) => { clearTimeout(timer); ready(); r({ code, out, err }); }));
  return { ready: readyP, done };
}

/** What a failed run said: the code and message of its `--json` error, else its last line. */
function why(stderr: string): string {
  const text = stderr.trim();
  // The last `{ "error": ... }` document (pretty-printed or not).
  const start = [...text.matchAll(/\{\s*"error"\s*:/g)].pop()?.index ?? -1;
  if (start >= 0) {
    try {
      const doc = JSON.parse(text.slice(start)) as { error?: { code?: string; message?: string } };
      if (doc.error !== undefined) return `${doc.error.code ?? 'error'}: ${doc.error.message ?? ''}`;
    } catch {
      // not (only) JSON: fall through
    }
  }
  return text.split('\n').pop() || '(nothing on stderr)';
}

/** Run the pair; never throws (failures come back in `error`). */
export async function runVrdmaPerf(r: VrdmaPerfRun): Promise<VrdmaPerfFigure> {
  const flags = ['perf', r.test, '-d', r.device, '-s', String(r.size), '-n', String(r.iters), '-p', String(r.port), '--json',
    ...(r.gidIndex === undefined ? [] : ['-x', String(r.gidIndex)])];
  const server = launch(flags, r.timeoutMs, /waiting for a client/);
  await server.ready;
  const client = launch([...flags, '127.0.0.1'], r.timeoutMs, null);
  const [c, s] = await Promise.all([client.done, server.done]);
  const base = { test: r.test, device: r.device, size: r.size };
  if (c.code !== 0 || s.code !== 0) return { ...base, error: `client exit ${c.code}, server exit ${s.code}: client: ${why(c.err)}; server: ${why(s.err)}` };
  try {
    const doc = JSON.parse(c.out) as { result: { latency: LatencyReport[]; bandwidth: BwReport[] } };
    const latency = doc.result.latency[0];
    const bandwidth = doc.result.bandwidth[0];
    return { ...base, ...(latency ? { latency } : {}), ...(bandwidth ? { bandwidth } : {}) };
  } catch (err) {
    return { ...base, error: `unreadable client output: ${err instanceof Error ? err.message : String(err)}` };
  }
}
