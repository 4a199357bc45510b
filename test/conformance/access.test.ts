import { describe, it, expect, afterEach } from 'vitest';
import { Access, ClosedError, QpState, QpType, WrOpcode, wcStatusName, type Context } from '../../lib/index.js';
import { ackTimeout, collect, expectedStatuses, makePair, openTestContext, region, testDeviceName, type Pair } from './harness.js';

describe(`access rules on ${testDeviceName()}`, () => {
  let p: Pair | undefined;
  let other: Context | undefined;
  afterEach(() => {
    p?.close();
    p = undefined;
    other?.close();
    other = undefined;
  });

  const noLocalWriteRecv = expectedStatuses({ recv: 'LOC_PROT_ERR', send: 'REM_OP_ERR' }, { statuses: { recv: 'LOC_QP_OP_ERR', send: 'REM_OP_ERR' }, reason: 'rxe reports a receive into a region without LOCAL_WRITE as LOC_QP_OP_ERR' });
  it(`a receive into a region without LOCAL_WRITE: ${noLocalWriteRecv.statuses.recv} at the receiver, ${noLocalWriteRecv.statuses.send} at the sender${noLocalWriteRecv.note}`, async () => {
    p = await makePair(QpType.RC, {}, { retryCnt: 1, timeout: ackTimeout(10) });
    const src = region(p.pd, 64, 7);
    const readOnly = region(p.pd, 64, 0, Access.REMOTE_READ);
    p.b.postRecv({ wrId: 1, sgList: [{ mr: readOnly }] });
    p.a.postSend({ wrId: 2, sgList: [{ mr: src, length: 16 }] });
    const [r] = await collect(p.cqB, 1);
    expect([r!.wrId, wcStatusName(r!.status)]).toEqual([1, noLocalWriteRecv.statuses.recv]);
    const [s] = await collect(p.cqA, 1);
    expect([s!.wrId, wcStatusName(s!.status)]).toEqual([2, noLocalWriteRecv.statuses.send]);
    expect(readOnly.buffer.every((x) => x === 0)).toBe(true);
  });

  it('an RDMA READ into a region without LOCAL_WRITE completes with LOC_PROT_ERR and writes nothing', async () => {
    p = await makePair(QpType.RC);
    const remote = region(p.pd, 64, 9);
    const local = region(p.pd, 64, 0, Access.REMOTE_READ);
    p.a.postSend({ wrId: 3, opcode: WrOpcode.RDMA_READ, sgList: [{ mr: local, length: 32 }], remoteAddr: remote.addr, rkey: remote.rkey });
    const [s] = await collect(p.cqA, 1);
    expect([s!.wrId, wcStatusName(s!.status)]).toEqual([3, 'LOC_PROT_ERR']);
    expect(local.buffer.every((x) => x === 0)).toBe(true);
    expect(p.a.state).toBe(QpState.ERR);
  });

  it('an atomic whose result lands in a region without LOCAL_WRITE completes with LOC_PROT_ERR', async (t) => {
    p = await makePair(QpType.RC);
    if (!p.ctx.capabilities.atomics) t.skip();
    const remote = region(p.pd, 64);
    const local = region(p.pd, 64, 0, Access.REMOTE_READ);
    p.a.postSend({ wrId: 4, opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, sgList: [{ mr: local, length: 8 }], remoteAddr: remote.addr, rkey: remote.rkey, compareAdd: 5n });
    const [s] = await collect(p.cqA, 1);
    expect([s!.wrId, wcStatusName(s!.status)]).toEqual([4, 'LOC_PROT_ERR']);
  });

  const foreignCtx = expectedStatuses('LOC_PROT_ERR', { statuses: 'LOC_QP_OP_ERR', reason: 'rxe reports an lkey of another PD as LOC_QP_OP_ERR' });
  it(`${foreignCtx.statuses} for a local SGE of another context whose PD has the same id${foreignCtx.note}`, async () => {
    p = await makePair(QpType.RC);
    other = await openTestContext();
    const foreign = region(other.allocPd(), 64);
    const dst = region(p.pd, 64);
    p.b.postRecv({ wrId: 1, sgList: [{ mr: dst }] });
    p.a.postSend({ wrId: 5, sgList: [{ mr: foreign, length: 16 }] });
    const [s] = await collect(p.cqA, 1);
    expect([s!.wrId, wcStatusName(s!.status)]).toEqual([5, foreignCtx.statuses]);
    expect(p.a.state).toBe(QpState.ERR);
  });

  it('a closed region throws ClosedError from every member but closed, pd and access', async () => {
    const ctx = await openTestContext();
    other = ctx;
    const pd = ctx.allocPd();
    const mr = pd.registerMemory(ctx.allocBuffer(64), Access.LOCAL_WRITE | Access.REMOTE_READ);
    mr.close();
    expect(mr.closed).toBe(true);
    expect(mr.pd).toBe(pd);
    expect(mr.access).toBe(Access.LOCAL_WRITE | Access.REMOTE_READ);
    for (const read of [() => mr.lkey, () => mr.rkey, () => mr.addr, () => mr.length, () => mr.buffer, () => mr.toRemote()]) {
      expect(read).toThrow(ClosedError);
    }
  });
});
