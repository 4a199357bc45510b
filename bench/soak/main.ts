/**
 * A bounded soak of loop0 across processes: three node processes (A, B, C)
 * with RC connections A<->B, B<->C, C<->A and datagrams between all of
 * them, while one process at a time is killed (SIGKILL) and started again.
 * Every work request posted by the processes alive at the end is accounted
 * for: each completes exactly once (success before a kill, a flush or retry
 * error after), none hangs, data is checked by checksum.
 *
 *   node dist/bench/soak/main.js [--seconds N] [--quiet]
 *
 * Prints one summary line; exits 1 when anything was lost, duplicated,
 * damaged or out of rule. Everything runs in a runtime directory of its own
 * with its own hub, and everything started is stopped by pid at the end.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeHub, type Endpoint } from '../../lib/index.js';
import type { NodeAnswers, NodeCommand, NodeId, NodeReport } from './protocol.js';

const NAMES = ['A', 'B', 'C'] as const;
const NODE_JS = fileURLToPath(new URL('./node.js', import.meta.url));
/** How long the survivors get for their last completions after every QP moved to ERR. */
const DRAIN_MS = 10_000;

interface Options {
  readonly seconds: number;
  readonly quiet: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  let seconds = 60;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seconds') {
      seconds = Number(argv[++i]);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) throw new Error('--seconds takes a number of seconds from 1 to 3600');
    } else if (a === '--quiet') {
      quiet = true;
    } else {
      throw new Error(`unknown argument ${a}; usage: soak [--seconds N] [--quiet]`);
    }
  }
  return { seconds, quiet };
}

/** A node process and its command channel. */
class NodeProcess {
  readonly id: NodeId;
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #next = 1;
  #output = '';
  ud: Endpoint | null = null;

  constructor(id: NodeId, env: NodeJS.ProcessEnv) {
    this.id = id;
    this.proc = fork(NODE_JS, [], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.proc.stdout!.on('data', (d: Buffer) => { this.#output += d.toString(); });
    this.proc.stderr!.on('data', (d: Buffer) => { this.#output += d.toString(); });
    this.proc.on('message', (m: { id?: number; ok?: boolean; value?: unknown; error?: string; ready?: boolean }) => {
      if (m.ready) return;
      const p = this.#pending.get(m.id!);
      if (!p) return;
      this.#pending.delete(m.id!);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`${id.name}: ${m.error}`));
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', () => {
      for (const p of this.#pending.values()) p.reject(new Error(`${id.name}#${id.incarnation} exited: ${this.#output.slice(-400)}`));
      this.#pending.clear();
      resolve();
    }));
  }

  call<K extends NodeCommand['op']>(cmd: Extract<NodeCommand, { op: K }>, timeoutMs = 20_000): Promise<NodeAnswers[K]> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.#pending.delete(id); reject(new Error(`${this.id.name}: "${cmd.op}" got no answer in ${timeoutMs} ms`)); }, timeoutMs);
      this.#pending.set(id, { resolve: (v) => { clearTimeout(timer); resolve(v as NodeAnswers[K]); }, reject: (e) => { clearTimeout(timer); reject(e); } });
      this.proc.send({ id, cmd });
    });
  }
}

/** Connect RC QPs between two live nodes (a new QP on each side) and swap datagram addresses. */
async function join2(x: NodeProcess, y: NodeProcess): Promise<void> {
  const [lx, ly] = await Promise.all([x.call({ op: 'link', peer: y.id }), y.call({ op: 'link', peer: x.id })]);
  await Promise.all([
    x.call({ op: 'connect', peer: y.id, endpoint: ly.endpoint, region: ly.region }),
    y.call({ op: 'connect', peer: x.id, endpoint: lx.endpoint, region: lx.region }),
  ]);
  await Promise.all([x.call({ op: 'datagrams', peer: y.id, endpoint: y.ud! }), y.call({ op: 'datagrams', peer: x.id, endpoint: x.ud! })]);
}

async function startNode(name: string, incarnation: number, env: NodeJS.ProcessEnv): Promise<NodeProcess> {
  const n = new NodeProcess({ name, incarnation }, env);
  n.ud = (await n.call({ op: 'setup' })).ud;
  return n;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Run the soak; resolves with the exit code. */
export async function soak(options: Options): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'vrdma-soak-'));
  const env: NodeJS.ProcessEnv = { ...process.env, VRDMA_RUNTIME_DIR: dir, VRDMA_HUB_IDLE_MS: '2000' };
  delete env['VRDMA_HUB'];
  delete env['VRDMA_HUB_TOKEN'];
  const started: NodeProcess[] = [];
  const log = (line: string): void => { if (!options.quiet) console.error(line); };
  let kills = 0;
  try {
    const nodes = new Map<string, NodeProcess>();
    for (const name of NAMES) {
      const n = await startNode(name, 1, env);
      started.push(n);
      nodes.set(name, n);
    }
    for (let i = 0; i < NAMES.length; i++) await join2(nodes.get(NAMES[i]!)!, nodes.get(NAMES[(i + 1) % NAMES.length]!)!);
    await Promise.all([...nodes.values()].map((n) => n.call({ op: 'start' })));
    const end = Date.now() + options.seconds * 1000;
    while (Date.now() < end) {
      await sleep(Math.min(end - Date.now(), 1000 + Math.random() * 2000));
      if (Date.now() >= end - 500) break;
      const name = NAMES[Math.floor(Math.random() * NAMES.length)]!;
      const victim = nodes.get(name)!;
      victim.proc.kill('SIGKILL');
      await victim.exited;
      const at = Date.now();
      kills++;
      const survivors = [...nodes.values()].filter((n) => n !== victim);
      await Promise.all(survivors.map((s) => s.call({ op: 'killed', peer: victim.id, at })));
      log(`soak: killed ${name}#${victim.id.incarnation}`);
      await sleep(200 + Math.random() * 300);
      const fresh = await startNode(name, victim.id.incarnation + 1, env);
      started.push(fresh);
      nodes.set(name, fresh);
      for (const s of survivors) await join2(s, fresh);
      await fresh.call({ op: 'start' });
    }
    const reports: NodeReport[] = [];
    for (const n of nodes.values()) reports.push({ ...(await n.call({ op: 'finish', drainMs: DRAIN_MS }, DRAIN_MS + 20_000)), name: `${n.id.name}#${n.id.incarnation}` });
    const byStatus: Record<string, number> = {};
    let posted = 0, lost = 0, duplicated = 0, checked = 0, dataErrors = 0;
    const violations: string[] = [];
    for (const r of reports) {
      posted += r.posted;
      lost += r.lost;
      duplicated += r.duplicated;
      checked += r.checked;
      dataErrors += r.dataErrors;
      for (const [k, v] of Object.entries(r.byStatus)) byStatus[k] = (byStatus[k] ?? 0) + v;
      for (const v of r.violations) violations.push(`${r.name}: ${v}`);
    }
    const statuses = Object.entries(byStatus).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(`soak: ${options.seconds} s, 3 processes, ${kills} kills and restarts; WRs posted ${posted}, completed ${statuses}; lost=${lost} duplicated=${duplicated}; messages checked ${checked}, damaged ${dataErrors}; violations ${violations.length}`);
    for (const v of violations) console.log(`  ${v}`);
    return lost === 0 && duplicated === 0 && dataErrors === 0 && violations.length === 0 && posted > 0 ? 0 : 1;
  } finally {
    for (const n of started) if (n.proc.exitCode === null && n.proc.signalCode === null) n.proc.kill('SIGKILL');
    await Promise.all(started.map((n) => n.exited));
    const hub = await probeHub(join(dir, 'hub.sock'));
    if (hub.reachable && hub.pid !== undefined) {
      try { process.kill(hub.pid, 'SIGTERM'); } catch { /* gone already */ }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  soak(options).then((code) => process.exit(code), (err: unknown) => {
    console.error(`soak failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
}
