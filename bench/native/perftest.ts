import { spawn, type ChildProcess } from 'node:child_process';
import { sleep } from '../core/clock.js';

/** The perftest tools compared. */
export type PerftestTool = 'ib_send_lat' | 'ib_write_lat' | 'ib_read_lat' | 'ib_write_bw' | 'ib_read_bw';

/** One perftest result line. Latencies are perftest's own: half a round trip, in usec. */
export interface PerftestFigure {
  readonly tool: PerftestTool;
  readonly size: number;
  readonly iters: number;
  readonly bwAverage?: number;
  readonly bwPeak?: number;
  readonly mpps?: number;
  readonly tMin?: number;
  readonly tTypical?: number;
  readonly tAvg?: number;
  readonly tP99?: number;
  readonly tMax?: number;
  /** "Max inline data" perftest chose. */
  readonly inline?: number;
  readonly error?: string;
}

/** How to run one perftest pair. */
export interface PerftestRun {
  readonly tool: PerftestTool;
  readonly device: string;
  readonly gidIndex: number;
  readonly size: number;
  readonly iters: number;
  readonly port: number;
  readonly timeoutMs: number;
}

interface Finished {
  readonly code: number | null;
  readonly out: string;
}

function run(cmd: string, args: readonly string[], timeoutMs: number, onStart?: (child: ChildProcess) => void): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    onStart?.(child);
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, out: `${out}\n${err.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The numbers of the data line under perftest's `#bytes` header. */
function dataLine(out: string): { header: string; cells: number[] } | null {
  const lines = out.split('\n');
  for (let i = 0; i < lines.length - 1; i++) {
    const header = lines[i]!;
    if (!header.trim().startsWith('#bytes')) continue;
    const cells = lines[i + 1]!.trim().split(/\s+/).map(Number);
    if (cells.length >= 3) return { header, cells };
  }
  return null;
}

/** Parse a perftest client's output. */
export function parsePerftest(tool: PerftestTool, out: string): Omit<PerftestFigure, 'tool'> | { error: string } {
  const line = dataLine(out);
  if (!line) return { error: `no result line in output: ${out.trim().split('\n').slice(-3).join(' | ')}` };
  const inlineMatch = /Max inline data\s*:\s*(\d+)/.exec(out);
  const inline = inlineMatch ? Number(inlineMatch[1]) : undefined;
  const c = line.cells;
  if (!c.every((n) => Number.isFinite(n))) return { error: `perftest printed no finite figures: ${c.join(' ')}` };
  const base = { size: c[0]!, iters: c[1]!, ...(inline === undefined ? {} : { inline }) };
  if (tool.endsWith('_bw')) return { ...base, bwPeak: c[2]!, bwAverage: c[3]!, mpps: c[4]! };
  // #bytes #iterations t_min t_max t_typical t_avg t_stdev 99% 99.9%
  return { ...base, tMin: c[2]!, tMax: c[3]!, tTypical: c[4]!, tAvg: c[5]!, tP99: c[7]! };
}

/**
 * Run a perftest server in the background and its client against
 * 127.0.0.1 on the same device; the client's report is the figure.
 * Never throws: failures come back in `error`.
 */
export async function runPerftest(r: PerftestRun): Promise<PerftestFigure> {
  const args = ['-d', r.device, '-x', String(r.gidIndex), '-F', '-s', String(r.size), '-n', String(r.iters), '-p', String(r.port)];
  let server: ChildProcess | null = null;
  let serverOut = '';
  // Line-buffered through stdbuf: into a pipe perftest's stdout is block-buffered, and its "Waiting for client" would come late.
  const serverDone = run('stdbuf', ['-oL', r.tool, ...args], r.timeoutMs, (child) => {
    server = child;
    child.stdout?.on('data', (c: Buffer) => { serverOut += c.toString(); });
  });
  // Wait until the server listens (it says so), or give it a few seconds on a slow machine.
  for (let waited = 0; waited < 15_000 && !serverOut.includes('Waiting for client'); waited += 100) await sleep(100);
  let client: Finished = { code: null, out: '' };
  for (let attempt = 0; attempt < 5; attempt++) {
    client = await run(r.tool, [...args, '127.0.0.1'], r.timeoutMs);
    if (client.code === 0 || !/Couldn't connect|Unable to open file descriptor|Connection refused/i.test(client.out)) break;
    await sleep(1000);
  }
  const s = server as ChildProcess | null;
  if (s && s.exitCode === null && s.signalCode === null) {
    const late = await Promise.race([serverDone.then(() => false), sleep(5000).then(() => true)]);
    if (late) s.kill('SIGKILL');
  }
  await serverDone;
  const parsed = parsePerftest(r.tool, client.out);
  if ('error' in parsed) return { tool: r.tool, size: r.size, iters: r.iters, error: `${r.tool} exit ${client.code ?? 'killed'}: ${parsed.error}` };
  return { tool: r.tool, ...parsed };
}
