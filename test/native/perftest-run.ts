// Running perftest's tools and `vrdma perf` side by side for the interop
// tests: start a process and wait for its "listening" line, read perftest's
// result line, parse vrdma's --json document.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { expect } from 'vitest';
import { repoRoot } from './helpers.js';

/** How long one process of a pair may run. */
export const LIMIT_MS = 60_000;

/** Whether `tool` is on the PATH. */
export const onPath = (tool: string): boolean => (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, tool)));

/** What a finished process left. */
export interface Ran { code: number | null; out: string; err: string }

/** Start a command; `ready` resolves once `marker` shows on stdout or stderr; `done` when it exits. */
export function start(cmd: string, args: readonly string[], marker: RegExp | null): { ready: Promise<void>; done: Promise<Ran> } {
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

/** perftest's result line: the first line of numbers after the column header. */
export function perftestLine(out: string): number[] {
  const lines = out.split('\n');
  const h = lines.findIndex((l) => /#bytes\s+#iterations/.test(l));
  // Size and iterations first; perftest prints "inf" for times when it cannot read the CPU clock rate (emulated CPUs).
  for (const l of lines.slice(h + 1)) {
    const cells = l.trim().split(/\s+/).map((c) => (/^-?inf$/i.test(c) ? Number.POSITIVE_INFINITY : Number(c)));
    if (cells.length >= 3 && Number.isInteger(cells[0]) && Number.isInteger(cells[1])) return cells;
  }
  throw new Error(`no result line in perftest output:\n${out}`);
}

/** The parts of `vrdma perf --json` the tests read. */
export interface PerfJson {
  result: {
    role: string;
    latency: Array<{ size: number; iters: number; tMin: number; tTypical: number }>;
    bandwidth: Array<{ size: number; iters: number; bwAvg: number; bwPeak: number; msgRate: number }>;
    peerBandwidth?: { size: number; iters: number; bwAvg: number; bwPeak: number; msgRate: number };
  };
}

/** `vrdma perf --json`'s document, after checking it exited 0. */
export function parsed(r: Ran): PerfJson {
  expect(r.code, `vrdma perf failed:\n${r.err}\n${r.out}`).toBe(0);
  return JSON.parse(r.out) as PerfJson;
}

/**
 * Our client (`ours`: node's arguments, the CLI first) against the perftest
 * server `tool` (`theirs`: its arguments); the client connects to `host`.
 */
export async function vrdmaClient(tool: string, theirs: readonly string[], ours: readonly string[], host: string): Promise<{ ours: PerfJson; theirs: Ran }> {
  // perftest's stdout is a pipe here: stdbuf makes it line-buffered, so its "Waiting for client" shows at once.
  const server = start('stdbuf', ['-oL', tool, ...theirs], /Waiting for client/);
  await server.ready;
  const client = start(process.execPath, [...ours, host], null);
  const [c, s] = await Promise.all([client.done, server.done]);
  const mine = parsed(c);
  expect(s.code, `${tool} server failed:\n${s.out}\n${s.err}`).toBe(0);
  return { ours: mine, theirs: s };
}

/** The perftest client `tool` against our server (arguments as `vrdmaClient`'s). */
export async function perftestClient(tool: string, theirs: readonly string[], ours: readonly string[], host: string): Promise<{ ours: PerfJson; theirs: Ran }> {
  const server = start(process.execPath, ours, /waiting for a client/);
  await server.ready;
  const client = start(tool, [...theirs, host], null);
  const [s, c] = await Promise.all([server.done, client.done]);
  expect(c.code, `${tool} client failed:\n${c.out}\n${c.err}`).toBe(0);
  return { ours: parsed(s), theirs: c };
}
