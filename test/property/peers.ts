/**
 * Where the two sides of a property run live: both in the test's thread,
 * side b in a worker thread, or each side in a child process meeting
 * through a hub of its own. A placement also knows how to fail side b.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Agent } from './agent.js';
import type { FaultKind } from './actions.js';
import type { AgentCommand, AgentOps, AgentReply } from './protocol.js';
import { Scope } from '../hub/helpers.js';

/** One side, whatever its placement. */
export interface Peer {
  call<K extends keyof AgentOps>(op: K, args: AgentOps[K]['args'], timeoutMs?: number): Promise<AgentOps[K]['result']>;
  /** False once killed (or exited). */
  readonly alive: boolean;
  /** Make it disappear without a word: a closed context in this thread, a terminated worker, a SIGKILLed process. */
  kill(): Promise<void>;
  /** Stop it from running until the function returned is called. */
  stop(): Promise<() => Promise<void>>;
  dispose(): Promise<void>;
}

/** Where the sides live, and which faults of side b it can cause. */
export interface Placement {
  readonly name: string;
  readonly hub: boolean;
  readonly faults: readonly FaultKind[];
  /**
   * The ranges a run picks its local ACK timeout code and retry count from.
   * Across threads and processes an answer waits for the other side to be
   * scheduled, and a machine running many tests at once can hold a thread
   * off for longer than 100 ms: short timeouts would then end requests with
   * RETRY_EXC_ERR, as they should. Those runs keep 268 ms (code 16) and at
   * least two retries; a stopped worker still fails its peers' requests by
   * the timer, well before the 2 s after which threads count it as gone.
   */
  readonly timers: { readonly timeout: readonly [number, number]; readonly retryCnt: readonly [number, number] };
  /** Both sides, started again where a fault ended one. */
  peers(): Promise<{ a: Peer; b: Peer }>;
  dispose(): Promise<void>;
}

const ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();
/** The compiled host script (`npm test` builds it). */
const HOST_JS = join(ROOT, 'dist', 'test', 'property', 'agent-host.js');

function requireHost(): void {
  if (!existsSync(HOST_JS)) throw new Error(`${HOST_JS} is missing: run "npm run build" (npm test does) first`);
}

/** A side in the test's own thread. */
class InThreadPeer implements Peer {
  readonly #agent = new Agent();
  readonly alive = true;
  call<K extends keyof AgentOps>(op: K, args: AgentOps[K]['args']): Promise<AgentOps[K]['result']> {
    return this.#agent.run(op, args);
  }
  async kill(): Promise<void> {
    await this.#agent.run('close', {});
  }
  stop(): Promise<() => Promise<void>> {
    return Promise.reject(new Error('a side in the test thread cannot be stopped'));
  }
  async dispose(): Promise<void> {
    await this.#agent.run('close', {});
  }
}

/** Commands to an agent over a message channel, with answers matched by id. */
abstract class RemotePeer implements Peer {
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #next = 1;
  #alive = true;
  readonly ready: Promise<void>;
  #readyResolve!: () => void;
  #readyReject!: (e: Error) => void;

  constructor() {
    this.ready = new Promise((resolve, reject) => { this.#readyResolve = resolve; this.#readyReject = reject; });
    this.ready.catch(() => {}); // awaited by whoever starts it; a late exit must not be an unhandled rejection
  }

  get alive(): boolean { return this.#alive; }

  protected abstract post(cmd: AgentCommand): void;
  abstract kill(): Promise<void>;
  abstract stop(): Promise<() => Promise<void>>;
  abstract dispose(): Promise<void>;

  protected onMessage(m: AgentReply | { ready: true }): void {
    if ('ready' in m) {
      this.#readyResolve();
      return;
    }
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(m.error));
  }

  protected onExit(why: string): void {
    this.#alive = false;
    this.#readyReject(new Error(why));
    for (const p of this.#pending.values()) p.reject(new Error(why));
    this.#pending.clear();
  }

  call<K extends keyof AgentOps>(op: K, args: AgentOps[K]['args'], timeoutMs = 20_000): Promise<AgentOps[K]['result']> {
    if (!this.#alive) return Promise.reject(new Error(`${op}: the side is gone`));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${op}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => { clearTimeout(timer); resolve(v as AgentOps[K]['result']); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.post({ id, op, args } as AgentCommand);
    });
  }
}

/** A side in a worker thread. */
class WorkerPeer extends RemotePeer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  constructor() {
    super();
    this.#worker = new Worker(HOST_JS);
    this.#worker.on('message', (m: AgentReply | { ready: true }) => this.onMessage(m));
    this.#worker.on('error', (e) => this.onExit(`the worker failed: ${e.message}`));
    this.#exited = new Promise((resolve) => this.#worker.once('exit', (code) => { this.onExit(`the worker exited (${code})`); resolve(); }));
  }
  protected post(cmd: AgentCommand): void { this.#worker.postMessage(cmd); }
  async kill(): Promise<void> {
    await this.#worker.terminate();
    await this.#exited;
  }
  async stop(): Promise<() => Promise<void>> {
    const started = new SharedArrayBuffer(4);
    const release = new SharedArrayBuffer(4);
    const blocked = this.call('block', { ms: 60_000, started, release }, 70_000);
    const flag = new Int32Array(started);
    while (Atomics.load(flag, 0) === 0) await new Promise((r) => setTimeout(r, 1));
    return async () => {
      const word = new Int32Array(release);
      Atomics.store(word, 0, 1);
      Atomics.notify(word, 0);
      await blocked;
    };
  }
  dispose(): Promise<void> { return this.kill(); }
}

/** A side in a child process. */
class ProcessPeer extends RemotePeer {
  readonly #proc: ChildProcess;
  readonly #exited: Promise<void>;
  #output = '';
  constructor(env: NodeJS.ProcessEnv, scope: Scope) {
    super();
    this.#proc = spawn(process.execPath, [HOST_JS], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    scope.track(this.#proc.pid!);
    this.#proc.stdout!.on('data', (d: Buffer) => { this.#output += d.toString(); });
    this.#proc.stderr!.on('data', (d: Buffer) => { this.#output += d.toString(); });
    this.#proc.on('message', (m) => this.onMessage(m as AgentReply | { ready: true }));
    this.#exited = new Promise((resolve) => this.#proc.once('exit', (code, sig) => {
      this.onExit(`the process exited (${code ?? sig}): ${this.#output.slice(-500)}`);
      resolve();
    }));
  }
  protected post(cmd: AgentCommand): void { this.#proc.send(cmd); }
  async kill(): Promise<void> {
    this.#proc.kill('SIGKILL');
    await this.#exited;
  }
  async stop(): Promise<() => Promise<void>> {
    this.#proc.kill('SIGSTOP');
    return async () => { this.#proc.kill('SIGCONT'); };
  }
  dispose(): Promise<void> { return this.kill(); }
}

/** Both sides in the test's thread (two contexts of one process, no hub). */
export function sameThread(): Placement {
  const a = new InThreadPeer();
  const b = new InThreadPeer();
  return {
    name: 'same thread', hub: false, faults: ['qpClose', 'qpErr', 'kill'], timers: { timeout: [8, 11], retryCnt: [1, 3] },
    peers: async () => ({ a, b }),
    dispose: async () => { await a.dispose(); await b.dispose(); },
  };
}

/** Side a in the test's thread, side b in a worker thread (shared memory, no hub). */
export function workerThreads(): Placement {
  requireHost();
  const a = new InThreadPeer();
  let b: WorkerPeer | null = null;
  return {
    name: 'worker threads', hub: false, faults: ['qpClose', 'qpErr', 'kill', 'stop'], timers: { timeout: [16, 16], retryCnt: [2, 3] },
    peers: async () => {
      if (b === null || !b.alive) {
        b = new WorkerPeer();
        await b.ready;
      }
      return { a, b };
    },
    dispose: async () => { await a.dispose(); await b?.dispose(); },
  };
}

/** Each side in a child process; they meet through a hub in a runtime directory of their own. */
export function processes(): Placement {
  requireHost();
  const scope = new Scope();
  const env = scope.env(scope.runtimeDir());
  let a: ProcessPeer | null = null;
  let b: ProcessPeer | null = null;
  const live = async (p: ProcessPeer | null): Promise<ProcessPeer> => {
    if (p !== null && p.alive) return p;
    const fresh = new ProcessPeer(env, scope);
    await fresh.ready;
    return fresh;
  };
  return {
    name: 'processes', hub: true, faults: ['qpClose', 'qpErr', 'kill', 'stop'], timers: { timeout: [16, 16], retryCnt: [2, 3] },
    peers: async () => {
      a = await live(a);
      b = await live(b);
      return { a, b };
    },
    dispose: () => scope.dispose(),
  };
}
