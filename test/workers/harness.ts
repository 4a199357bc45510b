import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command, Ops, Reply } from './protocol.js';

/** The compiled worker script (`npx tsc -p tsconfig.json` builds it; `npm test` does), from the sources or from dist/. */
const WORKER_URL = new URL('.', import.meta.url).pathname.endsWith('/dist/test/workers/')
  ? new URL('./peer-worker.js', import.meta.url)
  : new URL('../../dist/test/workers/peer-worker.js', import.meta.url);

const running = new Set<PeerWorker>();

/** An error the worker answered with. */
export class WorkerCommandError extends Error {
  readonly code: string | undefined;
  constructor(op: string, message: string, code: string | undefined) {
    super(`${op}: ${message}`);
    this.name = 'WorkerCommandError';
    this.code = code;
  }
}

/** A worker thread running `peer-worker.ts`, driven one command at a time. */
export class PeerWorker {
  readonly worker: Worker;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; op: string }>();
  #nextId = 1;
  #exited = false;
  /** Resolves with the exit code once the thread has exited. */
  readonly exited: Promise<number>;

  /** @throws Error when the compiled worker script is missing. */
  constructor(env: NodeJS.ProcessEnv = process.env) {
    if (!existsSync(fileURLToPath(WORKER_URL))) throw new Error(`${fileURLToPath(WORKER_URL)} is missing: run "npx tsc -p tsconfig.json" first`);
    this.worker = new Worker(WORKER_URL, { env });
    running.add(this);
    this.worker.on('message', (reply: Reply) => {
      const p = this.#pending.get(reply.id);
      if (!p) return;
      this.#pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(new WorkerCommandError(p.op, reply.error, reply.code));
    });
    this.exited = new Promise((resolve) => {
      this.worker.on('exit', (code) => {
        this.#exited = true;
        running.delete(this);
        for (const p of this.#pending.values()) p.reject(new Error(`${p.op}: the worker exited (code ${code})`));
        this.#pending.clear();
        resolve(code);
      });
    });
    this.worker.on('error', (err) => {
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    });
  }

  /** Run one command in the worker. @throws WorkerCommandError as the worker answers; Error after `timeoutMs`. */
  call<K extends keyof Ops>(op: K, args: Ops[K]['args'], timeoutMs = 20_000): Promise<Ops[K]['result']> {
    if (this.#exited) return Promise.reject(new Error(`${op}: the worker has exited`));
    const id = this.#nextId++;
    return new Promise<Ops[K]['result']>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${op}: no answer from the worker in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        op,
        resolve: (v) => { clearTimeout(timer); resolve(v as Ops[K]['result']); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.worker.postMessage({ id, op, args } satisfies Command<K>);
    });
  }

  /** Stop the thread now (idempotent). */
  async terminate(): Promise<void> {
    if (this.#exited) return;
    await this.worker.terminate();
  }
}

/** Terminate every worker still running (call in `afterEach`). */
export async function terminateAll(): Promise<void> {
  await Promise.all([...running].map((w) => w.terminate()));
}
