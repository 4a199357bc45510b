/**
 * One side of a property run: a loop0 context with a QP, regions in slots,
 * and the commands of `protocol.ts`. The same class serves in the test's
 * thread, in a worker thread and in a child process (`agent-host.ts`).
 */
import { MessageChannel } from 'node:worker_threads';
import {
  Access, QpType, openDevice,
  type CompletionQueue, type Context, type MemoryRegion, type ProtectionDomain, type QueuePair, type SendWorkRequest,
} from '../../lib/index.js';
import type { AgentOps, AgentSendWr, AgentWc, MemoryKind, Outcome } from './protocol.js';
import { fillPattern, hex } from './pattern.js';

type Handlers = { [K in keyof AgentOps]: (args: AgentOps[K]['args']) => AgentOps[K]['result'] | Promise<AgentOps[K]['result']> };

interface Slot {
  readonly mr: MemoryRegion;
  /** The registered bytes, kept to read them after the region closed. */
  readonly bytes: Uint8Array;
}

/** The outcome of `fn`: ok, or what it threw. */
function attempt(fn: () => void): Outcome {
  try {
    fn();
    return { ok: true };
  } catch (err) {
    const e = err as Error & { code?: unknown };
    return { ok: false, error: e.name ?? 'Error', code: typeof e.code === 'string' ? e.code : '' };
  }
}

/** Memory of `kind` holding `size` bytes of `seed`'s pattern (the bad kinds as they are). */
function memoryOf(ctx: Context, kind: MemoryKind, size: number, seed: number): Uint8Array | ArrayBuffer {
  switch (kind) {
    case 'sab': {
      const b = new Uint8Array(new SharedArrayBuffer(size));
      b.set(fillPattern(size, seed));
      return b;
    }
    case 'alloc': {
      const b = ctx.allocBuffer(size);
      b.set(fillPattern(size, seed));
      return b;
    }
    case 'arraybuffer':
    case 'remoteWithoutLocalWrite': {
      const b = new Uint8Array(size);
      b.set(fillPattern(size, seed));
      return b.buffer;
    }
    case 'resizable':
      return new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(size, { maxByteLength: size * 2 });
    case 'detached': {
      const b = new ArrayBuffer(size);
      structuredClone(b, { transfer: [b] });
      return b;
    }
    case 'empty':
      return new ArrayBuffer(0);
    case 'pooled':
      return Buffer.from(fillPattern(Math.min(size, 64), seed));
  }
}

/** A side of the fabric driven by commands. */
export class Agent {
  #ctx: Context | null = null;
  #pd: ProtectionDomain | null = null;
  #otherPd: ProtectionDomain | null = null;
  #cq: CompletionQueue | null = null;
  #qp: QueuePair | null = null;
  #slots: Slot[] = [];

  readonly handlers: Handlers = {
    open: async ({ hub, retryCnt, timeout, minRnrTimer }) => {
      this.#ctx?.close();
      const ctx = await openDevice('loop0', { hub });
      this.#ctx = ctx;
      this.#pd = ctx.allocPd();
      this.#otherPd = ctx.allocPd();
      this.#cq = ctx.createCq({ depth: 1024 });
      this.#qp = this.#pd.createQp({ type: QpType.RC, sendCq: this.#cq, maxSendWr: 256, maxRecvWr: 256 });
      this.#slots = [];
      this.#retry = { retryCnt, timeout, minRnrTimer };
      return { endpoint: this.#qp.endpoint() };
    },
    connect: async ({ remote }) => {
      await this.#need(this.#qp).connect(remote, this.#retry);
      return null;
    },
    register: ({ kind, size, access, seed, otherPd }) => {
      const pd = this.#need(otherPd ? this.#otherPd : this.#pd);
      const memory = memoryOf(this.#need(this.#ctx), kind, size, seed);
      let mr: MemoryRegion | undefined;
      const outcome = attempt(() => {
        mr = pd.registerMemory(memory, kind === 'remoteWithoutLocalWrite' ? Access.REMOTE_WRITE : access);
      });
      if (!outcome.ok || mr === undefined) return { outcome };
      this.#slots.push({ mr, bytes: mr.buffer });
      return { outcome, slot: this.#slots.length - 1, addr: mr.addr.toString(), rkey: mr.rkey };
    },
    closeMr: ({ slot }) => {
      this.#slot(slot).mr.close();
      return null;
    },
    transfer: ({ slot }) => {
      const { bytes } = this.#slot(slot);
      const buffer = bytes.buffer;
      const length = bytes.byteLength;
      if (!(buffer instanceof SharedArrayBuffer)) {
        // Each may copy (Node 20 with an untransferable buffer) or refuse; none may take the memory.
        attempt(() => structuredClone(buffer, { transfer: [buffer] }));
        const { port1, port2 } = new MessageChannel();
        attempt(() => port1.postMessage(buffer, [buffer]));
        port1.close();
        port2.close();
        const transfer = (ArrayBuffer.prototype as { transfer?: (this: ArrayBuffer) => ArrayBuffer }).transfer;
        if (transfer !== undefined) attempt(() => transfer.call(buffer));
      }
      return { intact: bytes.byteLength === length };
    },
    postRecv: ({ wrId, mr, offset, length }) => {
      const qp = this.#need(this.#qp);
      const region = this.#slot(mr).mr;
      return attempt(() => qp.postRecv({ wrId, sgList: [{ mr: region, offset, length }] }));
    },
    postSend: ({ wrs }) => {
      const qp = this.#need(this.#qp);
      const list = wrs.map((w) => this.#sendWr(w));
      return attempt(() => qp.postSend(list));
    },
    take: ({ count, timeoutMs }) => this.#take(count, timeoutMs),
    bytes: ({ slot }) => hex(this.#slot(slot).bytes),
    qpToError: () => {
      this.#need(this.#qp).toError();
      return null;
    },
    closeQp: () => {
      this.#need(this.#qp).close();
      return null;
    },
    close: () => {
      this.#ctx?.close();
      this.#ctx = null;
      return null;
    },
    block: ({ ms, started, release }) => {
      Atomics.store(new Int32Array(started), 0, 1);
      Atomics.wait(new Int32Array(release), 0, 0, ms);
      return null;
    },
  };

  #retry = { retryCnt: 7, timeout: 14, minRnrTimer: 12 };

  /** Run one command. @throws whatever its handler throws. */
  run<K extends keyof AgentOps>(op: K, args: AgentOps[K]['args']): Promise<AgentOps[K]['result']> {
    const handler = this.handlers[op] as (a: AgentOps[K]['args']) => AgentOps[K]['result'] | Promise<AgentOps[K]['result']>;
    return Promise.resolve().then(() => handler(args));
  }

  #need<T>(v: T | null): T {
    if (v === null) throw new Error('open first');
    return v;
  }

  #slot(slot: number): Slot {
    const s = this.#slots[slot];
    if (s === undefined) throw new Error(`no region in slot ${slot}`);
    return s;
  }

  #sendWr(w: AgentSendWr): SendWorkRequest {
    return {
      wrId: w.wrId,
      opcode: w.opcode as SendWorkRequest['opcode'],
      sgList: [{ mr: this.#slot(w.mr).mr, offset: w.offset, length: w.length }],
      ...(w.remoteAddr !== undefined ? { remoteAddr: BigInt(w.remoteAddr) } : {}),
      ...(w.rkey !== undefined ? { rkey: w.rkey } : {}),
      ...(w.imm !== undefined ? { imm: w.imm } : {}),
      ...(w.compareAdd !== undefined ? { compareAdd: BigInt(w.compareAdd) } : {}),
      ...(w.swap !== undefined ? { swap: BigInt(w.swap) } : {}),
    };
  }

  async #take(count: number, timeoutMs: number): Promise<AgentWc[]> {
    const cq = this.#need(this.#cq);
    const out: AgentWc[] = [];
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      for (const wc of cq.poll(64)) out.push({ wrId: wc.wrId, status: wc.status, opcode: wc.opcode, byteLen: wc.byteLen, imm: wc.imm });
      const left = deadline - performance.now();
      if (out.length >= count || left <= 0) return out;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([cq.wait(), new Promise((r) => { timer = setTimeout(r, Math.min(left, 20)); })]);
      clearTimeout(timer);
    }
  }
}
