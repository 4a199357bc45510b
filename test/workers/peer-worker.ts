/**
 * A worker thread holding one loop0 context, driven by the test harness
 * (`harness.ts`) one command at a time over `parentPort`.
 */
import { parentPort } from 'node:worker_threads';
import {
  QpType, openDevice,
  type CompletionQueue, type Context, type MemoryRegion, type ProtectionDomain, type QueuePair, type SendWorkRequest, type Sge,
} from '../../lib/index.js';
import { readShmStats, resetShmStats } from '../../lib/providers/loopback/shm/index.js';
import type { Command, Ops, Reply, WireSendWr, WireSge } from './protocol.js';
import { awaitPoll, pattern, spinPoll } from './poll.js';
import { fetchAndAddLoop, pingPong, pingPrepare, writeBandwidth } from './loops.js';

interface State {
  ctx: Context;
  pd: ProtectionDomain;
  cq: CompletionQueue;
}

let state: State | null = null;
const qps = new Map<string, QueuePair>();
const mrs = new Map<string, MemoryRegion>();

function need(): State {
  if (!state) throw new Error('open first');
  return state;
}

function qpOf(name: string): QueuePair {
  const qp = qps.get(name);
  if (!qp) throw new Error(`no QP ${name}`);
  return qp;
}

function mrOf(name: string): MemoryRegion {
  const mr = mrs.get(name);
  if (!mr) throw new Error(`no MR ${name}`);
  return mr;
}

function sges(list: readonly WireSge[] | undefined): Sge[] {
  return (list ?? []).map((s) => ({ mr: mrOf(s.mr), ...(s.offset !== undefined ? { offset: s.offset } : {}), ...(s.length !== undefined ? { length: s.length } : {}) }));
}

function sendWr(w: WireSendWr): SendWorkRequest {
  return {
    wrId: w.wrId,
    opcode: w.opcode as SendWorkRequest['opcode'],
    sgList: sges(w.sges),
    ...(w.remoteAddr !== undefined ? { remoteAddr: BigInt(w.remoteAddr) } : {}),
    ...(w.rkey !== undefined ? { rkey: w.rkey } : {}),
    ...(w.compareAdd !== undefined ? { compareAdd: BigInt(w.compareAdd) } : {}),
    ...(w.swap !== undefined ? { swap: BigInt(w.swap) } : {}),
    ...(w.imm !== undefined ? { imm: w.imm } : {}),
    ...(w.signaled !== undefined ? { signaled: w.signaled } : {}),
  };
}

type Handlers = { [K in keyof Ops]: (args: Ops[K]['args']) => Ops[K]['result'] | Promise<Ops[K]['result']> };

const handlers: Handlers = {
  async open({ cqDepth, hubAddress }) {
    const ctx = await openDevice('loop0', hubAddress === undefined ? { hub: false } : { hub: true, hubAddress });
    state = { ctx, pd: ctx.allocPd(), cq: ctx.createCq({ depth: cqDepth ?? 16384 }) };
    return { gid: ctx.gidTable(1)[0]!.gid };
  },
  qp({ name, type, maxSendWr, maxRecvWr, maxSge }) {
    const { pd, cq } = need();
    const qp = pd.createQp({ type: type ?? QpType.RC, sendCq: cq, maxSendWr: maxSendWr ?? 16384, maxRecvWr: maxRecvWr ?? 16384, maxSge: maxSge ?? 4 });
    qps.set(name, qp);
    return qp.endpoint();
  },
  async connect({ name, remote, rnrRetry, minRnrTimer }) {
    await qpOf(name).connect(remote ?? undefined, { ...(rnrRetry !== undefined ? { rnrRetry } : {}), ...(minRnrTimer !== undefined ? { minRnrTimer } : {}) });
    return null;
  },
  mr({ name, size, shared, access, seed }) {
    const { ctx, pd } = need();
    const bytes = shared ? ctx.allocBuffer(size) : new Uint8Array(size);
    if (seed !== undefined) bytes.set(pattern(size, seed));
    const mr = pd.registerMemory(bytes, access);
    mrs.set(name, mr);
    return { remote: mr.toRemote(), sab: bytes.buffer instanceof SharedArrayBuffer ? bytes.buffer : null };
  },
  recv({ qp, wrs }) {
    qpOf(qp).postRecv(wrs.map((w) => ({ wrId: w.wrId, sgList: sges(w.sges) })));
    return null;
  },
  send({ qp, wrs }) {
    qpOf(qp).postSend(wrs.map(sendWr));
    return null;
  },
  poll({ count, timeoutMs, mode }) {
    const { cq } = need();
    return mode === 'spin' ? spinPoll(cq, count, timeoutMs) : awaitPoll(cq, count, timeoutMs);
  },
  bytes({ mr, offset, length }) {
    return mrOf(mr).buffer.slice(offset, offset + length);
  },
  state({ qp }) {
    return qpOf(qp).stateName;
  },
  stats({ reset }) {
    const s = readShmStats();
    if (reset) resetShmStats();
    return s;
  },
  close() {
    state?.ctx.close();
    state = null;
    qps.clear();
    mrs.clear();
    return null;
  },
  faa({ qp, mr, remote, iters, add }) {
    return fetchAndAddLoop(need().cq, qpOf(qp), mrOf(mr), remote, iters, BigInt(add)).map((v) => v.toString());
  },
  pingprep({ qp, mr, size }) {
    pingPrepare(qpOf(qp), mrOf(mr), size);
    return null;
  },
  pingpong({ qp, mr, size, iters, initiator }) {
    return pingPong(need().cq, qpOf(qp), mrOf(mr), size, iters, initiator);
  },
  writeBw({ qp, mr, remote, size, iters, window }) {
    return writeBandwidth(need().cq, qpOf(qp), mrOf(mr), remote, size, iters, window);
  },
  block({ ms, started, release }) {
    if (started) Atomics.store(new Int32Array(started), 0, 1);
    if (release) {
      // Blocked until the other thread says so (at most `ms`): the thread's
      // event loop runs nothing meanwhile, whatever the machine's load.
      Atomics.wait(new Int32Array(release), 0, 0, ms);
      return null;
    }
    const end = performance.now() + ms;
    while (performance.now() < end) { /* busy */ }
    return null;
  },
  exit() {
    process.exit(0);
  },
};

async function run(cmd: Command): Promise<unknown> {
  const handler = handlers[cmd.op] as (args: unknown) => unknown;
  return handler(cmd.args);
}

parentPort!.on('message', (cmd: Command) => {
  run(cmd).then(
    (value) => parentPort!.postMessage({ id: cmd.id, ok: true, value } satisfies Reply),
    (err: unknown) => {
      const code = err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
      parentPort!.postMessage({ id: cmd.id, ok: false, error: err instanceof Error ? err.message : String(err), ...(code ? { code } : {}) } satisfies Reply);
    },
  );
});
