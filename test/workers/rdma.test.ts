import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Access, WcStatus, WrOpcode } from '../../lib/index.js';
import { readShmStats, resetShmStats } from '../../lib/providers/loopback/shm/index.js';
import { PeerWorker, terminateAll } from './harness.js';
import { ALL_ACCESS, openLocal, type Local, pairWithWorker } from './local.js';
import { awaitPoll, pattern, spinPoll } from './poll.js';

const MiB = 1024 * 1024;

describe('loop0 across threads: RDMA and atomics', () => {
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

  const pair = (options: { rnrRetry?: number; minRnrTimer?: number } = {}) => pairWithWorker(local, w, options);

  it('RDMA WRITE of 1 MiB from shared memory is copied once, straight into the target (no ring bytes)', async () => {
    const a = await pair();
    const { remote, sab } = await w.call('mr', { name: 'dst', size: MiB, shared: true, access: ALL_ACCESS });
    expect(sab).toBeInstanceOf(SharedArrayBuffer);
    await w.call('stats', { reset: true });
    resetShmStats();
    const src = local.pd.registerMemory(local.ctx.allocBuffer(MiB), ALL_ACCESS);
    src.buffer.set(pattern(MiB, 7));
    a.postSend({ wrId: 3, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr: src }], remoteAddr: BigInt(remote.addr), rkey: remote.rkey });
    const [wc] = await awaitPoll(local.cq, 1, 5000);
    expect(wc).toMatchObject({ wrId: 3, status: WcStatus.SUCCESS });
    // The worker's memory is shared: look at it directly.
    expect(Buffer.compare(new Uint8Array(sab!), src.buffer)).toBe(0);
    const theirs = await w.call('stats', {});
    const mine = readShmStats();
    expect(theirs.sharedBytesIn).toBe(MiB);
    expect(theirs.ringBytesIn + theirs.stagedBytesIn).toBe(0);
    expect(mine.ringBytesOut + mine.stagedBytesOut).toBe(0);
    expect(mine.buffersShared).toBe(1);
  });

  it('RDMA WRITE from a worker into main-thread memory at an offset, and WRITE_WITH_IMM', async () => {
    await pair();
    const dst = local.pd.registerMemory(local.ctx.allocBuffer(8192), ALL_ACCESS);
    await w.call('mr', { name: 'src', size: 1000, shared: false, access: ALL_ACCESS, seed: 21 });
    await w.call('send', { qp: 'b', wrs: [
      { wrId: 1, opcode: WrOpcode.RDMA_WRITE, sges: [{ mr: 'src' }], remoteAddr: (dst.addr + 100n).toString(), rkey: dst.rkey },
    ] });
    expect((await w.call('poll', { count: 1, timeoutMs: 5000, mode: 'await' }))[0]).toMatchObject({ wrId: 1, status: WcStatus.SUCCESS });
    expect(dst.buffer.subarray(100, 1100)).toEqual(pattern(1000, 21));
    expect(dst.buffer[99]).toBe(0);
    expect(dst.buffer[1100]).toBe(0);
  });

  it('RDMA READ from worker memory into main-thread memory (shared and plain sources)', async () => {
    const a = await pair();
    const sharedSrc = await w.call('mr', { name: 'ss', size: 256 * 1024, shared: true, access: ALL_ACCESS, seed: 31 });
    const plainSrc = await w.call('mr', { name: 'ps', size: 300 * 1024, shared: false, access: ALL_ACCESS, seed: 32 });
    await w.call('stats', { reset: true });
    resetShmStats();
    const d1 = local.pd.registerMemory(local.ctx.allocBuffer(256 * 1024), ALL_ACCESS);
    const d2 = local.pd.registerMemory(new Uint8Array(300 * 1024), ALL_ACCESS);
    a.postSend([
      { wrId: 1, opcode: WrOpcode.RDMA_READ, sgList: [{ mr: d1 }], remoteAddr: BigInt(sharedSrc.remote.addr), rkey: sharedSrc.remote.rkey },
      { wrId: 2, opcode: WrOpcode.RDMA_READ, sgList: [{ mr: d2 }], remoteAddr: BigInt(plainSrc.remote.addr), rkey: plainSrc.remote.rkey },
    ]);
    const wcs = await awaitPoll(local.cq, 2, 5000);
    expect(wcs.map((c) => [c.wrId, c.status, c.byteLen])).toEqual([[1, WcStatus.SUCCESS, 256 * 1024], [2, WcStatus.SUCCESS, 300 * 1024]]);
    expect(Buffer.compare(d1.buffer, pattern(256 * 1024, 31))).toBe(0);
    expect(Buffer.compare(d2.buffer, pattern(300 * 1024, 32))).toBe(0);
    // READ data is taken when the READ runs (a later atomic or WRITE of the
    // QP must not show in it), so both answers arrive staged, never by reference.
    const mine = readShmStats();
    expect(mine.sharedBytesIn).toBe(0);
    expect(mine.stagedBytesIn).toBe(556 * 1024);
  });

  it('CMP_AND_SWP and FETCH_AND_ADD on worker memory are real atomics on the shared bytes', async () => {
    const a = await pair();
    const { remote, sab } = await w.call('mr', { name: 'ctr', size: 64, shared: true, access: ALL_ACCESS });
    const words = new BigUint64Array(sab!);
    words[1] = 41n;
    const res = local.pd.registerMemory(local.ctx.allocBuffer(16), ALL_ACCESS);
    const base = BigInt(remote.addr);
    a.postSend({ wrId: 1, opcode: WrOpcode.ATOMIC_CMP_AND_SWP, sgList: [{ mr: res, offset: 0, length: 8 }], remoteAddr: base + 8n, rkey: remote.rkey, compareAdd: 41n, swap: 0xffff_ffff_ffff_fff0n });
    a.postSend({ wrId: 2, opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, sgList: [{ mr: res, offset: 8, length: 8 }], remoteAddr: base + 8n, rkey: remote.rkey, compareAdd: 0x20n });
    const wcs = spinPoll(local.cq, 2, 5000);
    expect(wcs.map((c) => c.status)).toEqual([WcStatus.SUCCESS, WcStatus.SUCCESS]);
    const got = new BigUint64Array(res.buffer.buffer, res.buffer.byteOffset, 2);
    expect(got[0]).toBe(41n);
    expect(got[1]).toBe(0xffff_ffff_ffff_fff0n);
    expect(Atomics.load(words, 1)).toBe(0x10n);
  });

  it('fails an RDMA WRITE with a bad rkey with REM_ACCESS_ERR, and one beyond the region', async () => {
    const a = await pair();
    const { remote } = await w.call('mr', { name: 'dst', size: 4096, shared: true, access: ALL_ACCESS });
    const src = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    a.postSend({ wrId: 1, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr: src }], remoteAddr: BigInt(remote.addr), rkey: (remote.rkey ^ 0x5500) >>> 0 });
    a.postSend({ wrId: 2, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr: src }], remoteAddr: BigInt(remote.addr), rkey: remote.rkey });
    const wcs = await awaitPoll(local.cq, 2, 5000);
    expect(wcs.map((c) => [c.wrId, c.status])).toEqual([[1, WcStatus.REM_ACCESS_ERR], [2, WcStatus.WR_FLUSH_ERR]]);
    expect(a.stateName).toBe('ERR');

    const b = local.qp();
    const ep = await w.call('qp', { name: 'c' });
    await w.call('connect', { name: 'c', remote: b.endpoint() });
    await b.connect(ep);
    b.postSend({ wrId: 3, opcode: WrOpcode.RDMA_READ, sgList: [{ mr: src }], remoteAddr: BigInt(remote.addr) + 4090n, rkey: remote.rkey });
    expect((await awaitPoll(local.cq, 1, 5000))[0]).toMatchObject({ wrId: 3, status: WcStatus.REM_ACCESS_ERR });
  });

  it('refuses RDMA on a region registered without remote access', async () => {
    const a = await pair();
    const { remote } = await w.call('mr', { name: 'ro', size: 64, shared: true, access: Access.LOCAL_WRITE | Access.REMOTE_READ });
    const src = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    a.postSend({ wrId: 1, opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, sgList: [{ mr: src, offset: 0, length: 8 }], remoteAddr: BigInt(remote.addr), rkey: remote.rkey, compareAdd: 1n });
    expect((await awaitPoll(local.cq, 1, 5000))[0]).toMatchObject({ wrId: 1, status: WcStatus.REM_ACCESS_ERR });
  });

  it('retries after RNR NAKs until the worker posts a receive, then succeeds', async () => {
    const a = await pair({ rnrRetry: 7, minRnrTimer: 1 });
    await w.call('mr', { name: 'rx', size: 64, shared: true, access: ALL_ACCESS });
    const src = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    src.buffer.set(pattern(64, 5));
    a.postSend({ wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr: src }] });
    await new Promise((r) => setTimeout(r, 50));
    expect(local.cq.poll()).toEqual([]);
    await w.call('recv', { qp: 'b', wrs: [{ wrId: 8, sges: [{ mr: 'rx' }] }] });
    expect((await awaitPoll(local.cq, 1, 5000))[0]).toMatchObject({ wrId: 1, status: WcStatus.SUCCESS });
    expect((await w.call('poll', { count: 1, timeoutMs: 5000, mode: 'spin' }))[0]).toMatchObject({ wrId: 8, status: WcStatus.SUCCESS });
    expect(await w.call('bytes', { mr: 'rx', offset: 0, length: 64 })).toEqual(pattern(64, 5));
  });

  it('gives up after the RNR retries run out (RNR_RETRY_EXC_ERR)', async () => {
    const a = await pair({ rnrRetry: 2, minRnrTimer: 1 });
    const src = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    a.postSend({ wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr: src }] });
    expect((await awaitPoll(local.cq, 1, 5000))[0]).toMatchObject({ wrId: 1, status: WcStatus.RNR_RETRY_EXC_ERR });
  });
});
