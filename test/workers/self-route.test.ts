import { afterEach, describe, expect, it } from 'vitest';
import { Access, openDevice, QpType, WcBatch, WcStatus, WrOpcode, type Context } from '../../lib/index.js';
import { readShmStats } from '../../lib/providers/loopback/shm/index.js';
import { collect, pairOn, pattern } from '../conformance/harness.js';

const ALL = Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ | Access.REMOTE_ATOMIC;
const SIZE = 256 * 1024;

describe('VRDMA_LOOPBACK_SELF_ROUTE=threads: QPs of one thread reach each other as two threads would', () => {
  const saved = process.env['VRDMA_LOOPBACK_SELF_ROUTE'];
  afterEach(() => {
    if (saved === undefined) delete process.env['VRDMA_LOOPBACK_SELF_ROUTE'];
    else process.env['VRDMA_LOOPBACK_SELF_ROUTE'] = saved;
  });

  async function traffic(): Promise<{ recordsIn: number; sharedBytesIn: number; placedInPost: boolean }> {
    const ctx = await openDevice('loop0', { hub: false });
    try {
      const { pd, cqA, cqB, a, b } = await pairOn(ctx);
      const mrA = pd.registerMemory(ctx.allocBuffer(SIZE), ALL);
      const mrB = pd.registerMemory(ctx.allocBuffer(SIZE), ALL);
      const sent = pattern(SIZE, 11);
      mrA.buffer.set(sent);
      const before = readShmStats();
      a.postSend({ wrId: 1, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr: mrA }], remoteAddr: mrB.addr, rkey: mrB.rkey });
      // Directly, the WRITE lands inside postSend; through the ring, when a poll drains it.
      const placedInPost = Buffer.compare(mrB.buffer, sent) === 0;
      expect((await collect(cqA, 1))[0]!.status).toBe(WcStatus.SUCCESS);
      expect(Buffer.compare(mrB.buffer, sent)).toBe(0);
      b.postRecv({ wrId: 2, sgList: [{ mr: mrB, length: 4096 }] });
      a.postSend({ wrId: 3, sgList: [{ mr: mrA, offset: 8192, length: 4096 }] });
      // Spinning without yielding still makes progress: polls drain the ring.
      const batch = new WcBatch(4);
      const deadline = Date.now() + 5000;
      let n = 0;
      while (n === 0 && Date.now() < deadline) n = cqB.pollBatch(batch);
      expect([n, batch.wrId(0), batch.status(0), batch.byteLen(0)]).toEqual([1, 2, WcStatus.SUCCESS, 4096]);
      expect(Buffer.compare(mrB.buffer.subarray(0, 4096), sent.subarray(8192, 8192 + 4096))).toBe(0);
      expect((await collect(cqA, 1))[0]!.status).toBe(WcStatus.SUCCESS);
      const after = readShmStats();
      return { recordsIn: after.recordsIn - before.recordsIn, sharedBytesIn: after.sharedBytesIn - before.sharedBytesIn, placedInPost };
    } finally {
      ctx.close();
    }
  }

  it('WRITE and SEND cross the ring, their bytes copied once from shared memory, and a spinning poll sees them', async () => {
    process.env['VRDMA_LOOPBACK_SELF_ROUTE'] = 'threads';
    const seen = await traffic();
    expect(seen.placedInPost).toBe(false);
    // two requests and their two acknowledgements
    expect(seen.recordsIn).toBeGreaterThanOrEqual(4);
    expect(seen.sharedBytesIn).toBe(SIZE + 4096);
  });

  it('without it, the same traffic stays inside the post: no record crosses a ring', async () => {
    delete process.env['VRDMA_LOOPBACK_SELF_ROUTE'];
    const seen = await traffic();
    expect(seen.placedInPost).toBe(true);
    expect(seen.recordsIn).toBe(0);
    expect(seen.sharedBytesIn).toBe(0);
  });

  it('another value is ignored with one warning naming the values it takes', async () => {
    process.env['VRDMA_LOOPBACK_SELF_ROUTE'] = 'thread';
    const warnings: Array<{ code: string | undefined; message: string }> = [];
    const listen = (w: Error & { code?: string }): void => { warnings.push({ code: w.code, message: w.message }); };
    process.on('warning', listen);
    try {
      expect((await traffic()).recordsIn).toBe(0);
      (await openDevice('loop0', { hub: false })).close();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', listen);
    }
    const mine = warnings.filter((w) => w.code === 'VRDMA_SELF_ROUTE');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.message).toMatch(/VRDMA_LOOPBACK_SELF_ROUTE="thread" is ignored: it takes "peers" or "threads"/);
  });

  it('peers leaves private contexts direct', async () => {
    process.env['VRDMA_LOOPBACK_SELF_ROUTE'] = 'peers';
    expect((await traffic()).recordsIn).toBe(0);
  });
});
