/**
 * The one-thread half of `measure.ts`: two separate copies of the library
 * (two fabrics, two transports) driven by this thread, timed in CPU time.
 */
import type * as Vrdma from '../../lib/index.js';

type Lib = typeof Vrdma;

/** What `oneThread` measured. */
export interface OneThreadResult {
  /** CPU microseconds per 8-byte SEND/RECV round trip through the rings. */
  readonly ringRttUs: number;
  /** The same between two QPs of one context (no rings). */
  readonly localRttUs: number;
  /** 1 MiB RDMA WRITE through the rings, GB/s of CPU time. */
  readonly writeGBs: number;
  /** `Buffer.copy` of 1 MiB between the same two registered buffers. */
  readonly copySameGBs: number;
  /** `Buffer.copy` of 1 MiB between two plain buffers. */
  readonly copyPlainGBs: number;
}

const MiB = 1024 * 1024;
const ACCESS = 1 | 2 | 4 | 8;

function cpuUs(f: () => void): number {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return d.user + d.system;
}

async function side(L: Lib) {
  const ctx = await L.openDevice('loop0', { hub: false });
  const pd = ctx.allocPd();
  const cq = ctx.createCq({ depth: 4096 });
  const qp = pd.createQp({ type: L.QpType.RC, sendCq: cq, maxSendWr: 4096, maxRecvWr: 4096 });
  return { L, ctx, pd, cq, qp, batch: new L.WcBatch(64) };
}

type Side = Awaited<ReturnType<typeof side>>;

/** Poll `s` (and `other`, which must make progress too) until `s` gets a receive; repost it. */
function untilRecv(s: Side, other: Side, recv: Vrdma.RecvWorkRequest): void {
  for (let spins = 0; ; spins++) {
    const n = s.cq.pollBatch(s.batch);
    for (let k = 0; k < n; k++) {
      if (s.batch.status(k) !== 0) throw new Error(`completion failed with status ${s.batch.status(k)}`);
      if (s.batch.wrId(k) === 2) {
        s.qp.postRecv(recv);
        return;
      }
    }
    other.cq.pollBatch(other.batch);
    if (spins > 10_000_000) throw new Error('no progress');
  }
}

/**
 * Measure with the library copies at `urlA` and `urlB`.
 * @throws Error when a completion fails or nothing progresses.
 */
export async function oneThread(urlA: string, urlB: string, iters: number): Promise<OneThreadResult> {
  const A = (await import(urlA)) as Lib;
  const B = (await import(urlB)) as Lib;
  const a = await side(A);
  // The engine alone first (two QPs of A's context, each with its own CQ, the same loop), before B
  // exists: B's heartbeat would stand still while only A is polled.
  const ml = a.pd.registerMemory(a.ctx.allocBuffer(64), ACCESS);
  const localSend: Vrdma.SendWorkRequest = { wrId: 1, opcode: A.WrOpcode.SEND, sgList: [{ mr: ml, offset: 0, length: 8 }], signaled: false };
  const localRecv = { wrId: 2, sgList: [{ mr: ml, offset: 8, length: 8 }] };
  const c1 = a.ctx.createCq({ depth: 4096 });
  const c2 = a.ctx.createCq({ depth: 4096 });
  const q1 = a.pd.createQp({ type: A.QpType.RC, sendCq: c1 });
  const q2 = a.pd.createQp({ type: A.QpType.RC, sendCq: c2 });
  await q1.connect(q2.endpoint());
  await q2.connect(q1.endpoint());
  const s1: Side = { ...a, cq: c1, qp: q1, batch: new A.WcBatch(64) };
  const s2: Side = { ...a, cq: c2, qp: q2, batch: new A.WcBatch(64) };
  for (let i = 0; i < 64; i++) {
    q1.postRecv(localRecv);
    q2.postRecv(localRecv);
  }
  const local = (n: number): number => cpuUs(() => {
    for (let i = 0; i < n; i++) {
      q1.postSend(localSend);
      untilRecv(s2, s1, localRecv);
      q2.postSend(localSend);
      untilRecv(s1, s2, localRecv);
    }
  }) / n;
  local(Math.min(iters, 20_000));
  const localRttUs = Math.min(local(iters), local(iters), local(iters));

  // Both copies number their GIDs alike: skip B's first so that they differ.
  (await B.openDevice('loop0', { hub: false })).close();
  const b = await side(B);
  try {
    await Promise.all([a.qp.connect(b.qp.endpoint()), b.qp.connect(a.qp.endpoint())]);
    const ma = a.pd.registerMemory(a.ctx.allocBuffer(64), ACCESS);
    const mb = b.pd.registerMemory(b.ctx.allocBuffer(64), ACCESS);
    const ra = { wrId: 2, sgList: [{ mr: ma, offset: 8, length: 8 }] };
    const rb = { wrId: 2, sgList: [{ mr: mb, offset: 8, length: 8 }] };
    for (let i = 0; i < 64; i++) {
      a.qp.postRecv(ra);
      b.qp.postRecv(rb);
    }
    const sa: Vrdma.SendWorkRequest = { wrId: 1, opcode: A.WrOpcode.SEND, sgList: [{ mr: ma, offset: 0, length: 8 }], signaled: false };
    const sb: Vrdma.SendWorkRequest = { wrId: 1, opcode: B.WrOpcode.SEND, sgList: [{ mr: mb, offset: 0, length: 8 }], signaled: false };
    const rtt = (n: number): number => cpuUs(() => {
      for (let i = 0; i < n; i++) {
        a.qp.postSend(sa);
        untilRecv(b, a, rb);
        b.qp.postSend(sb);
        untilRecv(a, b, ra);
      }
    }) / n;
    rtt(Math.min(iters, 20_000));
    const ringRttUs = Math.min(rtt(iters), rtt(iters), rtt(iters));

    const src = a.pd.registerMemory(a.ctx.allocBuffer(MiB), ACCESS);
    const dst = b.pd.registerMemory(b.ctx.allocBuffer(MiB), ACCESS);
    src.buffer.fill(3);
    const wr: Vrdma.SendWorkRequest = { wrId: 9, opcode: A.WrOpcode.RDMA_WRITE, sgList: [{ mr: src }], remoteAddr: dst.addr, rkey: dst.rkey };
    const writes = Math.max(200, Math.floor(iters / 50));
    const write = (n: number): number => (MiB * n) / cpuUs(() => {
      for (let i = 0; i < n; i++) {
        a.qp.postSend(wr);
        for (;;) {
          b.cq.pollBatch(b.batch);
          if (a.cq.pollBatch(a.batch) > 0) break;
        }
        if (a.batch.status(0) !== 0) throw new Error(`RDMA WRITE failed with status ${a.batch.status(0)}`);
      }
    }) / 1000;
    write(50);
    const writeGBs = Math.max(write(writes), write(writes));
    const copy = (x: Buffer, y: Uint8Array, n: number): number => (MiB * n) / cpuUs(() => { for (let i = 0; i < n; i++) x.copy(y); }) / 1000;
    const same = Buffer.from(src.buffer.buffer, src.buffer.byteOffset, MiB);
    copy(same, dst.buffer, 50);
    const copySameGBs = Math.max(copy(same, dst.buffer, writes), copy(same, dst.buffer, writes));
    const p1 = Buffer.alloc(MiB, 3);
    const p2 = Buffer.alloc(MiB);
    copy(p1, p2, 50);
    const copyPlainGBs = Math.max(copy(p1, p2, writes), copy(p1, p2, writes));
    return { ringRttUs, localRttUs, writeGBs, copySameGBs, copyPlainGBs };
  } finally {
    a.ctx.close();
    b.ctx.close();
  }
}
