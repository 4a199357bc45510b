import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QpType, RdmaError, WcStatus, WrOpcode, openDevice, type Context } from '../../lib/index.js';
import { readShmStats, resetShmStats } from '../../lib/providers/loopback/shm/index.js';
import { PeerWorker, terminateAll } from './harness.js';
import { ALL_ACCESS } from './local.js';
import { awaitPoll, pattern } from './poll.js';

describe('loop0 across threads, with a hub', () => {
  let ctx: Context | null = null;

  afterEach(async () => {
    ctx?.close();
    ctx = null;
    await terminateAll();
  });

  it('nodes of two threads of one process talk through shared memory, not through the hub', async (test) => {
    // A hub of this test's own, so that no other test's hub is disturbed.
    const hubAddress = join(tmpdir(), `vrdma-workers-${process.pid}.sock`);
    try {
      ctx = await openDevice('loop0', { hub: true, hubAddress });
    } catch (err) {
      if (err instanceof RdmaError && err.code === 'ERR_HUB_UNAVAILABLE') {
        test.skip(`no hub here: ${err.message}`);
        return;
      }
      throw err;
    }
    const w = new PeerWorker();
    await w.call('open', { hubAddress });
    const pd = ctx.allocPd();
    const cq = ctx.createCq({ depth: 64 });
    const a = pd.createQp({ type: QpType.RC, sendCq: cq });
    const ep = await w.call('qp', { name: 'b' });
    await w.call('connect', { name: 'b', remote: a.endpoint() });
    await a.connect(ep);
    await w.call('mr', { name: 'rx', size: 4096, shared: true, access: ALL_ACCESS });
    await w.call('recv', { qp: 'b', wrs: [{ wrId: 1, sges: [{ mr: 'rx' }] }] });
    resetShmStats();
    const mr = pd.registerMemory(ctx.allocBuffer(4096), ALL_ACCESS);
    mr.buffer.set(pattern(4096, 77));
    a.postSend({ wrId: 2, opcode: WrOpcode.SEND, sgList: [{ mr }] });
    expect((await awaitPoll(cq, 1, 5000))[0]).toMatchObject({ wrId: 2, status: WcStatus.SUCCESS });
    expect((await w.call('poll', { count: 1, timeoutMs: 5000, mode: 'await' }))[0]).toMatchObject({ wrId: 1, status: WcStatus.SUCCESS });
    expect(await w.call('bytes', { mr: 'rx', offset: 0, length: 4096 })).toEqual(pattern(4096, 77));
    const mine = readShmStats();
    expect(mine.recordsOut).toBeGreaterThan(0);
    expect(mine.recordsIn).toBeGreaterThan(0); // the ACK came back through the ring too
    expect((await w.call('stats', {})).sharedBytesIn).toBe(4096);
  });
});
