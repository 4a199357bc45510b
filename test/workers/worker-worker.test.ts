import { afterEach, describe, expect, it } from 'vitest';
import { WcStatus, WrOpcode } from '../../lib/index.js';
import { PeerWorker, terminateAll } from './harness.js';
import { ALL_ACCESS, openLocal, type Local } from './local.js';
import { fetchAndAddLoop, pingPong, pingPrepare } from './loops.js';
import { pattern } from './poll.js';

/** Connect QP `name` of `x` with QP `name` of `y` (RC). */
async function link(x: PeerWorker, y: PeerWorker, name: string): Promise<void> {
  const ex = await x.call('qp', { name });
  const ey = await y.call('qp', { name });
  await Promise.all([x.call('connect', { name, remote: ey }), y.call('connect', { name, remote: ex })]);
}

describe('loop0 across threads: worker to worker', () => {
  let local: Local | null = null;

  afterEach(async () => {
    local?.ctx.close();
    local = null;
    await terminateAll();
  });

  it('SEND/RECV, WRITE and READ between two workers, the receiver waiting with await cq.next()', async () => {
    const x = new PeerWorker();
    const y = new PeerWorker();
    await Promise.all([x.call('open', {}), y.call('open', {})]);
    await link(x, y, 'q');
    await x.call('mr', { name: 'src', size: 100_000, shared: true, access: ALL_ACCESS, seed: 3 });
    const dst = await y.call('mr', { name: 'dst', size: 300_000, shared: true, access: ALL_ACCESS });
    await y.call('recv', { qp: 'q', wrs: [{ wrId: 1, sges: [{ mr: 'dst', offset: 0, length: 100_000 }] }] });
    // y waits on its event loop before x sends.
    const received = y.call('poll', { count: 2, timeoutMs: 5000, mode: 'await' });
    await new Promise((r) => setTimeout(r, 20));
    await x.call('send', { qp: 'q', wrs: [
      { wrId: 10, opcode: WrOpcode.SEND, sges: [{ mr: 'src' }] },
      { wrId: 11, opcode: WrOpcode.RDMA_WRITE_WITH_IMM, imm: 77, sges: [{ mr: 'src' }], remoteAddr: (BigInt(dst.remote.addr) + 100_000n).toString(), rkey: dst.remote.rkey },
    ] });
    y.call('recv', { qp: 'q', wrs: [{ wrId: 2, sges: [] }] }).catch(() => {});
    const rc = await received;
    expect(rc.map((c) => [c.wrId, c.status])).toEqual([[1, WcStatus.SUCCESS], [2, WcStatus.SUCCESS]]);
    expect(rc[1]!.imm).toBe(77);
    const sent = await x.call('poll', { count: 2, timeoutMs: 5000, mode: 'await' });
    expect(sent.map((c) => [c.wrId, c.status])).toEqual([[10, WcStatus.SUCCESS], [11, WcStatus.SUCCESS]]);
    const view = new Uint8Array(dst.sab!);
    expect(Buffer.compare(view.subarray(0, 100_000), pattern(100_000, 3))).toBe(0);
    expect(Buffer.compare(view.subarray(100_000, 200_000), pattern(100_000, 3))).toBe(0);

    // READ it back into x's plain memory.
    await x.call('mr', { name: 'back', size: 200_000, shared: false, access: ALL_ACCESS });
    await x.call('send', { qp: 'q', wrs: [{ wrId: 12, opcode: WrOpcode.RDMA_READ, sges: [{ mr: 'back' }], remoteAddr: dst.remote.addr, rkey: dst.remote.rkey }] });
    expect((await x.call('poll', { count: 1, timeoutMs: 5000, mode: 'spin' }))[0]).toMatchObject({ wrId: 12, status: WcStatus.SUCCESS, byteLen: 200_000 });
    expect(Buffer.compare(await x.call('bytes', { mr: 'back', offset: 0, length: 200_000 }), view.subarray(0, 200_000))).toBe(0);
  });

  it('spin-polls with pollBatch in both workers (ping-pong, no event loop)', async () => {
    const x = new PeerWorker();
    const y = new PeerWorker();
    await Promise.all([x.call('open', {}), y.call('open', {})]);
    await link(x, y, 'p');
    await x.call('mr', { name: 'm', size: 64, shared: true, access: ALL_ACCESS });
    await y.call('mr', { name: 'm', size: 64, shared: true, access: ALL_ACCESS });
    const iters = 300;
    await Promise.all([x.call('pingprep', { qp: 'p', mr: 'm', size: 8 }), y.call('pingprep', { qp: 'p', mr: 'm', size: 8 })]);
    const [nsX, nsY] = await Promise.all([
      x.call('pingpong', { qp: 'p', mr: 'm', size: 8, iters, initiator: true }),
      y.call('pingpong', { qp: 'p', mr: 'm', size: 8, iters, initiator: false }),
    ]);
    expect(nsX).toBeGreaterThan(0);
    expect(nsY).toBeGreaterThan(0);
  });

  it('spin-polls with pollBatch in the main thread and a worker', async () => {
    local = await openLocal();
    const w = new PeerWorker();
    await w.call('open', {});
    const a = local.qp();
    const ep = await w.call('qp', { name: 'p' });
    await w.call('connect', { name: 'p', remote: a.endpoint() });
    await a.connect(ep);
    await w.call('mr', { name: 'm', size: 64, shared: true, access: ALL_ACCESS });
    const mr = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    const iters = 300;
    await w.call('pingprep', { qp: 'p', mr: 'm', size: 8 });
    pingPrepare(a, mr, 8);
    const theirs = w.call('pingpong', { qp: 'p', mr: 'm', size: 8, iters, initiator: false });
    // The worker starts on its own; this thread spins without returning to its event loop.
    const mine = pingPong(local.cq, a, mr, 8, iters, true);
    expect(mine).toBeGreaterThan(0);
    expect(await theirs).toBeGreaterThan(0);
  });

  it('N workers hammering FETCH_AND_ADD on one counter in the main thread give the exact total, each value fetched once', async () => {
    local = await openLocal();
    const n = 3;
    const iters = 500;
    const counter = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    const workers = Array.from({ length: n }, () => new PeerWorker());
    await Promise.all(workers.map((w) => w.call('open', {})));
    for (const [i, w] of workers.entries()) {
      const qp = local.qp();
      const ep = await w.call('qp', { name: 'a' });
      await w.call('connect', { name: 'a', remote: qp.endpoint() });
      await qp.connect(ep);
      await w.call('mr', { name: 'res', size: 8, shared: i % 2 === 0, access: ALL_ACCESS });
    }
    // This thread serves them from its event loop (it never polls).
    const fetched = await Promise.all(workers.map((w) => w.call('faa', { qp: 'a', mr: 'res', remote: counter.toRemote(), iters, add: '1' }, 60_000)));
    const words = new BigUint64Array(counter.buffer.buffer, counter.buffer.byteOffset, 1);
    expect(Atomics.load(words, 0)).toBe(BigInt(n * iters));
    const all = new Set(fetched.flat());
    expect(all.size).toBe(n * iters);
    expect(all.has('0')).toBe(true);
    expect(all.has(String(n * iters - 1))).toBe(true);
  }, 90_000);

  it('the main thread and workers hammering a counter in a worker give the exact total', async () => {
    local = await openLocal();
    const owner = new PeerWorker();
    const others = [new PeerWorker(), new PeerWorker()];
    await Promise.all([owner, ...others].map((w) => w.call('open', {})));
    const ctr = await owner.call('mr', { name: 'ctr', size: 8, shared: true, access: ALL_ACCESS });
    for (const [i, w] of others.entries()) await link(w, owner, `q${i}`);
    for (const w of others) await w.call('mr', { name: 'res', size: 8, shared: true, access: ALL_ACCESS });
    const mine = local.qp();
    const ep = await owner.call('qp', { name: 'main' });
    await owner.call('connect', { name: 'main', remote: mine.endpoint() });
    await mine.connect(ep);
    const res = local.pd.registerMemory(local.ctx.allocBuffer(8), ALL_ACCESS);
    const iters = 400;
    const remote = ctr.remote;
    const theirs = Promise.all(others.map((w, i) => w.call('faa', { qp: `q${i}`, mr: 'res', remote, iters, add: '3' }, 60_000)));
    const fetchedHere = fetchAndAddLoop(local.cq, mine, res, remote, iters, 3n);
    const fetched = [...(await theirs).flat(), ...fetchedHere.map(String)];
    expect(Atomics.load(new BigUint64Array(ctr.sab!), 0)).toBe(BigInt(3 * iters * 3));
    expect(new Set(fetched).size).toBe(3 * iters);
  }, 90_000);
});
