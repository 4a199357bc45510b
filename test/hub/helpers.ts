import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, beforeAll, beforeEach } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HubConnection } from '../../lib/providers/loopback/hub/hub-connection.js';
import { parseAddress } from '../../lib/providers/loopback/hub/address.js';
import type { JsonMessage } from '../../lib/providers/loopback/hub/json-frames.js';
import type { ChildCommand } from './peer-child.js';
import { sweepMappings } from '../../lib/providers/loopback/mapping/sweep.js';

/** The repository root (this file runs from test/hub or, compiled, from dist/test/hub). */
export const ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();
/** The compiled child script. */
export const CHILD_JS = join(ROOT, 'dist', 'test', 'hub', 'peer-child.js');
/** The compiled hub program. */
export const HUB_JS = join(ROOT, 'dist', 'lib', 'providers', 'loopback', 'hub', 'hub-main.js');

/** Fail early, clearly, when the package was not built. */
export function requireBuild(): void {
  for (const f of [CHILD_JS, HUB_JS]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run "npm run build" (npm test does) before these tests`);
  }
}

/** A child process running peer-child.js. */
export interface Child {
  readonly pid: number;
  readonly proc: ChildProcess;
  call<T = unknown>(cmd: ChildCommand, timeoutMs?: number): Promise<T>;
  readonly exited: Promise<void>;
  output(): string;
}

/**
 * Everything one test started, so it can all be stopped by pid: children,
 * hubs they started, temporary runtime directories.
 */
export class Scope {
  readonly #children: Child[] = [];
  readonly #pids = new Set<number>();
  readonly #dirs: string[] = [];

  /** A fresh runtime directory (0700, from mkdtemp). */
  runtimeDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'vrdma-hub-'));
    this.#dirs.push(dir);
    return dir;
  }

  /** The environment for children using `dir`, with no hub address or token inherited. */
  env(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, VRDMA_RUNTIME_DIR: dir, VRDMA_HUB_IDLE_MS: '3000', ...extra };
    if (!('VRDMA_HUB' in extra)) delete env['VRDMA_HUB'];
    if (!('VRDMA_HUB_TOKEN' in extra)) delete env['VRDMA_HUB_TOKEN'];
    delete env['NODE_OPTIONS'];
    return env;
  }

  /** Start a peer child with `env`; resolves once it is ready. */
  async child(env: NodeJS.ProcessEnv): Promise<Child> {
    const proc = spawn(process.execPath, [CHILD_JS], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
    let next = 1;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`child did not start: ${out}`)), 10_000);
      proc.on('message', (m: unknown) => {
        const msg = m as { ready?: boolean; id?: number; ok?: boolean; value?: unknown; error?: string; code?: string };
        if (msg.ready) {
          clearTimeout(t);
          resolve();
          return;
        }
        const p = pending.get(msg.id!);
        if (!p) return;
        pending.delete(msg.id!);
        if (msg.ok) p.resolve(msg.value);
        else p.reject(Object.assign(new Error(msg.error), { code: msg.code }));
      });
      proc.once('exit', (code, sig) => {
        clearTimeout(t);
        reject(new Error(`child exited (${code ?? sig}): ${out}`));
        for (const p of pending.values()) p.reject(new Error(`child exited (${code ?? sig}): ${out}`));
        pending.clear();
      });
    });
    const child: Child = {
      pid: proc.pid!,
      proc,
      exited,
      output: () => out,
      call<T>(cmd: ChildCommand, timeoutMs = 15_000): Promise<T> {
        const id = next++;
        return new Promise<T>((resolve, reject) => {
          const t = setTimeout(() => {
            pending.delete(id);
            reject(new Error(`child ${proc.pid}: "${cmd.op}" took more than ${timeoutMs} ms; output: ${out}`));
          }, timeoutMs);
          pending.set(id, {
            resolve: (v) => { clearTimeout(t); resolve(v as T); },
            reject: (e) => { clearTimeout(t); reject(e); },
          });
          proc.send({ id, cmd });
        });
      },
    };
    this.#children.push(child);
    this.#pids.add(child.pid);
    return child;
  }

  /** Remember a pid (a hub our children started) to kill at the end. */
  track(pid: number): void {
    if (pid > 0) this.#pids.add(pid);
  }

  /**
   * Kill every tracked process (SIGKILL, by pid) and any hub still serving
   * one of this scope's directories (a hub a child started late), wait for
   * the children, remove the directories.
   */
  async dispose(): Promise<void> {
    for (const pid of hubsIn(this.#dirs)) this.#pids.add(pid);
    for (const pid of this.#pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await Promise.race([Promise.all(this.#children.map((c) => c.exited)), sleep(3000)]);
    // What the killed children had in shared memory (a killed process cannot remove it itself).
    for (const c of this.#children) sweepMappings(c.pid);
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** Pids of hub programs listening inside any of `dirs` (read from /proc/<pid>/cmdline; Linux only). */
function hubsIn(dirs: readonly string[]): number[] {
  if (dirs.length === 0 || !existsSync('/proc')) return [];
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const i = argv.indexOf('--listen');
    if (!argv.some((a) => a.endsWith('hub-main.js')) || i < 0) continue;
    const listen = argv[i + 1] ?? '';
    if (dirs.some((d) => listen.startsWith(d + '/'))) out.push(Number(name));
  }
  return out;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Wait until `pred` holds, polling, or throw after `ms`. */
export async function until(pred: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Ask the hub at `address` for its stats (and pid), as a probe client. */
export async function hubStats(address: string, token: string | null = null): Promise<JsonMessage & { pid: number; frames: Record<string, number> }> {
  const conn = await HubConnection.open(parseAddress(address), { token, role: 'probe' }, 3000);
  try {
    return (await conn.request({ t: 'stats' })) as JsonMessage & { pid: number; frames: Record<string, number> };
  } finally {
    conn.close();
  }
}

/** The hub socket path inside a runtime directory. */
export function hubSocket(dir: string): string {
  return join(dir, 'hub.sock');
}

/** Start a hub directly (for protocol tests); resolves with its process once it listens. */
export async function startHub(scope: Scope, env: NodeJS.ProcessEnv, args: readonly string[]): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [HUB_JS, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  scope.track(proc.pid!);
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  await until(() => err.includes('listening on') || proc.exitCode !== null, 10_000, 'the hub to listen');
  if (proc.exitCode !== null) throw new Error(`hub exited ${proc.exitCode}: ${err}`);
  return proc;
}

/**
 * Check the build once for the file, and give each of its tests a fresh
 * `Scope`, disposed after the test. Returns the current test's scope.
 */
export function scopePerTest(): () => Scope {
  let scope: Scope | null = null;
  beforeAll(() => requireBuild());
  beforeEach(() => {
    scope = new Scope();
  });
  afterEach(async () => {
    await scope?.dispose();
    scope = null;
  });
  return () => {
    if (!scope) throw new Error('no test is running');
    return scope;
  };
}

/**
 * Register the usual hooks of a hub test file: the build must exist, and
 * each test gets a fresh `Scope` disposed after it. Returns the current one.
 */
export function useScope(): () => Scope {
  let scope: Scope | undefined;
  beforeAll(() => requireBuild());
  beforeEach(() => {
    scope = new Scope();
  });
  afterEach(async () => {
    await scope?.dispose();
  });
  return () => scope!;
}
