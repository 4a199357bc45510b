import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QpType, WcFlags, WcOpcode, WcStatus, WrOpcode, type WorkCompletion } from '../../lib/index.js';
import { readShmStats, resetShmStats } from '../../lib/providers/loopback/shm/index.js';
import { PeerWorker, terminateAll } from './harness.js';
import { ALL_ACCESS, openLocal, type Local, pairWithWorker } from './local.js';
import { awaitPoll, pattern, spinPoll } from './poll.js';

const MiB = 1024 * 1024;
/** Several RNR waits (0.64 ms apart), so every request behind a waiting one has been sent again. */
const RETRANSMISSIONS_MS = 30;

describe('loop0 across threads: SEND/RECV', () => {
  let local: Local;
  let w: PeerWorker;

  beforeEach(async () => {
    local = await openLocal();
    w = new PeerWorker();
    await w.call('open', {});
  });

  afterEach(async () => {
    local.ctx.close();
    await terminateAll();
  });

  const pair = () => pairWithWorker(local, w);

  it('delivers a send from the main thread to a worker, data intact (one copy from shared memory)', async () => {
    const a = await pair();
    const size = 4096;
    await w.call('mr', { name: 'rx', size, shared: true, access: ALL_ACCESS });
    await w.call('recv', { qp: 'b', wrs: [{ wrId: 11, sges: [{ mr: 'rx' }] }] });
    await w.call('stats', { reset: true });
    const buf = local.ctx.allocBuffer(size);
    buf.set(pattern(size, 1));
    const mr = local.pd.registerMemory(buf, ALL_ACCESS);
    a.postSend({ wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr }] });
    const [wc] = await awaitPoll(local.cq, 1, 5000);
    expect([wc!.wrId, wc!.status]).toEqual([1, WcStatus.SUCCESS]);
    const [rc] = await w.call('poll', { count: 1, timeoutMs: 5000, mode: 'await' });
    expect(rc).toMatchObject({ wrId: 11, status: WcStatus.SUCCESS, opcode: WcOpcode.RECV, byteLen: size });
    expect(await w.call('bytes', { mr: 'rx', offset: 0, length: size })).toEqual(pattern(size, 1));
    const s = await w.call('stats', {});
    expect(s.sharedBytesIn).toBe(size);
    expect(s.ringBytesIn + s.stagedBytesIn).toBe(0);
  });

  it('delivers a send from a worker to the main thread, multi-SGE into multi-SGE', async () => {
    const a = await pair();
    const parts = [100, 3000, 1];
    await w.call('mr', { name: 's0', size: 100, shared: true, access: ALL_ACCESS, seed: 10 });
    await w.call('mr', { name: 's1', size: 3000, shared: false, access: ALL_ACCESS, seed: 11 });
    await w.call('mr', { name: 's2', size: 1, shared: true, access: ALL_ACCESS, seed: 12 });
    const total = parts.reduce((x, y) => x + y, 0);
    const expected = new Uint8Array(total);
    expected.set(pattern(100, 10), 0);
    expected.set(pattern(3000, 11), 100);
    expected.set(pattern(1, 12), 3100);
    const r0 = local.pd.registerMemory(local.ctx.allocBuffer(1000), ALL_ACCESS);
    const r1 = local.pd.registerMemory(new Uint8Array(5000), ALL_ACCESS);
    a.postRecv({ wrId: 5, sgList: [{ mr: r0, offset: 17, length: 983 }, { mr: r1 }] });
    await w.call('send', { qp: 'b', wrs: [{ wrId: 9, opcode: WrOpcode.SEND_WITH_IMM, imm: 0xdeadbeef, sges: [{ mr: 's0' }, { mr: 's1' }, { mr: 's2' }] }] });
    const [rc] = spinPoll(local.cq, 1, 5000);
    expect(rc).toMatchObject({ wrId: 5, status: WcStatus.SUCCESS, byteLen: total, imm: 0xdeadbeef });
    const got = new Uint8Array(total);
    got.set(r0.buffer.subarray(17, 1000), 0);
    got.set(r1.buffer.subarray(0, total - 983), 983);
    expect(got).toEqual(expected);
    const [sc] = await w.call('poll', { count: 1, timeoutMs: 5000, mode: 'spin' });
    expect(sc).toMatchObject({ wrId: 9, status: WcStatus.SUCCESS });
  });

  it.each([
    ['shared memory, by reference', true],
    ['plain memory, through a staging buffer', false],
  ])('carries a 4 MiB message from %s', async (_name, shared) => {
    const a = await pair();
    const size = 4 * MiB;
    await w.call('mr', { name: 'rx', size, shared: true, access: ALL_ACCESS });
    await w.call('recv', { qp: 'b', wrs: [{ wrId: 1, sges: [{ mr: 'rx' }] }] });
    await w.call('stats', { reset: true });
    resetShmStats();
    const bytes = shared ? local.ctx.allocBuffer(size) : new Uint8Array(size);
    bytes.set(pattern(size, 4));
    const mr = local.pd.registerMemory(bytes, ALL_ACCESS);
    a.postSend({ wrId: 2, opcode: WrOpcode.SEND, sgList: [{ mr }] });
    expect((await awaitPoll(local.cq, 1, 10_000))[0]!.status).toBe(WcStatus.SUCCESS);
    expect((await w.call('poll', { count: 1, timeoutMs: 10_000, mode: 'await' }))[0]).toMatchObject({ status: WcStatus.SUCCESS, byteLen: size });
    expect(Buffer.compare(await w.call('bytes', { mr: 'rx', offset: 0, length: size }), pattern(size, 4))).toBe(0);
    const s = await w.call('stats', {});
    const mine = readShmStats();
    if (shared) {
      expect(s.sharedBytesIn).toBe(size);
      expect(mine.ringBytesOut + mine.stagedBytesOut).toBe(0);
    } else {
      expect(s.stagedBytesIn).toBe(size);
      expect(mine.stagedBytesOut).toBe(size);
    }
  });

  it('carries plain-memory messages inside the ring records, spanning many slots', async () => {
    const a = await pair();
    const size = 48 * 1024;
    const n = 40;
    await w.call('mr', { name: 'rx', size: size * n, shared: true, access: ALL_ACCESS });
    await w.call('recv', { qp: 'b', wrs: Array.from({ length: n }, (_, i) => ({ wrId: i, sges: [{ mr: 'rx', offset: i * size, length: size }] })) });
    await w.call('stats', { reset: true });
    const mr = local.pd.registerMemory(new Uint8Array(size * n), ALL_ACCESS);
    for (let i = 0; i < n; i++) mr.buffer.set(pattern(size, 100 + i), i * size);
    a.postSend(Array.from({ length: n }, (_, i) => ({ wrId: i, opcode: WrOpcode.SEND, sgList: [{ mr, offset: i * size, length: size }] })));
    const sent = await awaitPoll(local.cq, n, 10_000);
    expect(sent.map((c) => c.wrId)).toEqual(Array.from({ length: n }, (_, i) => i));
    const got = await w.call('poll', { count: n, timeoutMs: 10_000, mode: 'await' });
    expect(got.map((c) => c.wrId)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(Buffer.compare(await w.call('bytes', { mr: 'rx', offset: 0, length: size * n }), mr.buffer)).toBe(0);
    const s = await w.call('stats', {});
    expect(s.ringBytesIn).toBe(size * n);
    expect(s.stagedBytesIn).toBe(0);
  });

  it('holds packets back while the ring is full (never dropped, completions in order)', async () => {
    const a = await pair();
    const size = 16 * 1024;
    const n = 200; // 3.2 MB of plain memory: several times the ring
    await w.call('mr', { name: 'rx', size: size * n, shared: true, access: ALL_ACCESS });
    await w.call('recv', { qp: 'b', wrs: Array.from({ length: n }, (_, i) => ({ wrId: i, sges: [{ mr: 'rx', offset: i * size, length: size }] })) });
    resetShmStats();
    const mr = local.pd.registerMemory(new Uint8Array(size * n), ALL_ACCESS);
    for (let i = 0; i < n; i++) mr.buffer.set(pattern(size, 500 + i), i * size);
    a.postSend(Array.from({ length: n }, (_, i) => ({ wrId: i, opcode: WrOpcode.SEND, sgList: [{ mr, offset: i * size, length: size }] })));
    // The worker consumes while spinning; this thread refills the ring from its event loop.
    const got = w.call('poll', { count: n, timeoutMs: 20_000, mode: 'spin' });
    const sent = await awaitPoll(local.cq, n, 20_000);
    expect(sent.map((c) => [c.wrId, c.status])).toEqual(Array.from({ length: n }, (_, i) => [i, WcStatus.SUCCESS]));
    expect((await got).map((c) => [c.wrId, c.status])).toEqual(Array.from({ length: n }, (_, i) => [i, WcStatus.SUCCESS]));
    expect(Buffer.compare(await w.call('bytes', { mr: 'rx', offset: 0, length: size * n }), mr.buffer)).toBe(0);
    expect(readShmStats().backlogged).toBeGreaterThan(0);
  });

  it('holds back many small sends from shared memory while the receiving thread is blocked', async () => {
    const a = await pair();
    const n = 8000; // 8000 records: more than the ring holds
    await w.call('mr', { name: 'rx', size: 8 * n, shared: true, access: ALL_ACCESS });
    await w.call('recv', { qp: 'b', wrs: Array.from({ length: n }, (_, i) => ({ wrId: i, sges: [{ mr: 'rx', offset: i * 8, length: 8 }] })) });
    resetShmStats();
    const mr = local.pd.registerMemory(local.ctx.allocBuffer(8 * n), ALL_ACCESS);
    const dv = new DataView(mr.buffer.buffer, mr.buffer.byteOffset);
    for (let i = 0; i < n; i++) dv.setUint32(i * 8, i, true);
    const started = new SharedArrayBuffer(4);
    const release = new SharedArrayBuffer(4);
    const blocked = w.call('block', { ms: 20_000, started, release });
    while (Atomics.load(new Int32Array(started), 0) === 0) await new Promise((r) => setTimeout(r, 2));
    a.postSend(Array.from({ length: n }, (_, i) => ({ wrId: i, opcode: WrOpcode.SEND, sgList: [{ mr, offset: i * 8, length: 8 }], signaled: i % 100 === 99 })));
    const backlogged = readShmStats().backlogged;
    Atomics.store(new Int32Array(release), 0, 1);
    Atomics.notify(new Int32Array(release), 0);
    await blocked;
    expect(backlogged).toBeGreaterThan(0);
    const sent = await awaitPoll(local.cq, n / 100, 20_000);
    expect(sent.map((c) => [c.wrId, c.status])).toEqual(Array.from({ length: n / 100 }, (_, i) => [i * 100 + 99, WcStatus.SUCCESS]));
    const got = await w.call('poll', { count: n, timeoutMs: 20_000, mode: 'await' });
    expect(got.map((c) => c.wrId)).toEqual(Array.from({ length: n }, (_, i) => i));
    const rx = await w.call('bytes', { mr: 'rx', offset: 0, length: 8 * n });
    expect(Buffer.compare(rx, mr.buffer)).toBe(0);
  });

  it('UD: a datagram to a worker arrives after its 40-byte GRH', async () => {
    const a = local.qp(QpType.UD);
    await a.connect();
    const epB = await w.call('qp', { name: 'u', type: QpType.UD });
    await w.call('connect', { name: 'u', remote: null });
    await w.call('mr', { name: 'rx', size: 40 + 256, shared: true, access: ALL_ACCESS });
    await w.call('recv', { qp: 'u', wrs: [{ wrId: 4, sges: [{ mr: 'rx' }] }] });
    const mr = local.pd.registerMemory(local.ctx.allocBuffer(256), ALL_ACCESS);
    mr.buffer.set(pattern(256, 9));
    const ah = local.pd.createAddressHandle(epB);
    a.postSend({ wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr }], ah, remoteQpn: epB.qpn, remoteQkey: epB.qkey! });
    expect((await awaitPoll(local.cq, 1, 5000))[0]).toMatchObject({ wrId: 1, status: WcStatus.SUCCESS });
    mr.buffer.fill(0); // UD completes at once: the bytes were taken at post time
    const [rc] = await w.call('poll', { count: 1, timeoutMs: 5000, mode: 'await' });
    expect(rc).toMatchObject({ wrId: 4, status: WcStatus.SUCCESS, byteLen: 40 + 256, srcQp: a.qpn });
    expect(rc!.wcFlags & WcFlags.GRH).toBe(WcFlags.GRH);
    expect(await w.call('bytes', { mr: 'rx', offset: 40, length: 256 })).toEqual(pattern(256, 9));
  });

  it('a request whose region closes while an earlier one waits for a receive fails after it, with one completion', async () => {
    const a = await pairWithWorker(local, w);
    await w.call('mr', { name: 'dst', size: 64, shared: true, access: ALL_ACCESS });
    const { remote } = await w.call('mr', { name: 'target', size: 64, shared: true, access: ALL_ACCESS });
    const first = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    const second = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    // The worker has no receive yet: the SEND waits (RNR, for ever), the WRITE behind it is sent again with it.
    a.postSend([
      { wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr: first, length: 8 }] },
      { wrId: 2, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr: second, length: 8 }], remoteAddr: BigInt(remote.addr), rkey: remote.rkey },
    ]);
    second.close();
    await new Promise((r) => setTimeout(r, RETRANSMISSIONS_MS));
    expect(local.cq.poll(16)).toEqual([]);
    await w.call('recv', { qp: 'b', wrs: [{ wrId: 100, sges: [{ mr: 'dst' }] }] });
    const wcs = await awaitPoll(local.cq, 2, 5000);
    await new Promise((r) => setTimeout(r, RETRANSMISSIONS_MS));
    const all: WorkCompletion[] = [...wcs, ...local.cq.poll(16)];
    expect(all.map((c) => [c.wrId, c.status])).toEqual([[1, WcStatus.SUCCESS], [2, WcStatus.LOC_PROT_ERR]]);
    expect(a.stateName).toBe('ERR');
  });

  it('an RNR NAK is an answer: local ACK timeouts with RNR NAKs between them are not retransmissions in a row', async () => {
    // timeout 18 is 1074 ms; each block of the worker (1300 ms) outlasts one timeout but not two,
    // with some 800 ms to spare for a loaded machine to deliver the RNR NAK that ends the block.
    const a = await pairWithWorker(local, w, { timeout: 18, retryCnt: 1 });
    await w.call('mr', { name: 'dst', size: 64, shared: true, access: ALL_ACCESS });
    const src = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    a.postSend({ wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr: src, length: 8 }] });
    await new Promise((r) => setTimeout(r, RETRANSMISSIONS_MS));
    await w.call('block', { ms: 1300 });
    await new Promise((r) => setTimeout(r, RETRANSMISSIONS_MS));
    await w.call('block', { ms: 1300 });
    await new Promise((r) => setTimeout(r, RETRANSMISSIONS_MS));
    expect(local.cq.poll(16)).toEqual([]);
    await w.call('recv', { qp: 'b', wrs: [{ wrId: 100, sges: [{ mr: 'dst' }] }] });
    const [wc] = await awaitPoll(local.cq, 1, 5000);
    expect([wc!.wrId, wc!.status]).toEqual([1, WcStatus.SUCCESS]);
  });
});
