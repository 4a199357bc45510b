// A Connection built on the caller's own queue pair reads that QP's CQ
// while it is open. Once closed, the CQ is the caller's again: the
// connection must stop waiting on it, and must not take its completions.
import { describe, expect, it } from 'vitest';
import { Access, QpType, WcStatus, WrOpcode, connect, listen, openDevice } from '../../lib/index.js';

describe('a Connection over the caller\'s queue pair, after close()', () => {
  it('stops reading the caller\'s CQ: later completions there reach the caller', async () => {
    const ctx = await openDevice('loop0', { hub: false });
    try {
      const pd = ctx.allocPd();
      const cq = ctx.createCq({ depth: 64 });
      const qp = pd.createQp({ type: QpType.RC, sendCq: cq });
      const l = await listen({ port: 0, context: ctx, timeoutMs: 10_000 });
      const port = (l.address as { port: number }).port;
      const [server, client] = await Promise.all([l.accept(), connect({ port, qp, timeoutMs: 10_000 })]);
      await client.send(new Uint8Array([1, 2, 3]));
      expect(Array.from(await server.recv())).toEqual([1, 2, 3]);
      await client.close();
      await server.close();
      await l.close();
      // The CQ serves the caller's next queue pairs; let any leftover reader run first.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const a = pd.createQp({ type: QpType.RC, sendCq: cq });
      const b = pd.createQp({ type: QpType.RC, sendCq: cq });
      await a.connect(b.endpoint());
      await b.connect(a.endpoint());
      const mr = pd.registerMemory(ctx.allocBuffer(64), Access.LOCAL_WRITE | Access.REMOTE_WRITE);
      a.postSend({ wrId: 4242, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr, length: 8 }], remoteAddr: mr.addr + 32n, rkey: mr.rkey });
      // Nobody but the caller may poll it now: give a leftover reader time to.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(cq.poll(8)).toMatchObject([{ wrId: 4242, status: WcStatus.SUCCESS }]);
    } finally {
      ctx.close();
    }
  });
});
