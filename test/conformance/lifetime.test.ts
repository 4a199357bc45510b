import { describe, it, expect } from 'vitest';
import { QpType, ClosedError, QpState, WcStatus } from '../../lib/index.js';
import { openTestContext, region, collect, testDeviceName } from './harness.js';

describe(`resource lifetime on ${testDeviceName()}`, () => {
  it('closing the context closes every child, in dependency order, once', async () => {
    const ctx = await openTestContext();
    const pd = ctx.allocPd();
    const cq = ctx.createCq();
    const srq = pd.createSrq();
    const mr = region(pd, 64);
    const qp = pd.createQp({ type: QpType.RC, sendCq: cq });
    const qp2 = pd.createQp({ type: QpType.RC, sendCq: cq, srq });
    const ud = pd.createQp({ type: QpType.UD, sendCq: cq });
    const ah = pd.createAddressHandle(ud.endpoint());
    ctx.close();
    for (const o of [ctx, pd, cq, srq, mr, qp, qp2, ud, ah]) expect(o.closed).toBe(true);
    expect(qp.state).toBe(QpState.RESET);
    ctx.close();
    pd.close();
    qp.close();
    expect(() => qp.endpoint()).toThrow(ClosedError);
    expect(() => pd.createSrq()).toThrow(ClosedError);
    expect(() => cq.poll()).toThrow(ClosedError);
    expect(() => srq.postRecv({})).toThrow(ClosedError);
    await expect(cq.next()).rejects.toThrow(ClosedError);
  });

  it('closing a PD closes its QPs and regions but leaves CQs and the context open', async () => {
    const ctx = await openTestContext();
    const pd = ctx.allocPd();
    const cq = ctx.createCq();
    const mr = region(pd, 64);
    const qp = pd.createQp({ type: QpType.RC, sendCq: cq });
    pd.close();
    expect(qp.closed && mr.closed && pd.closed).toBe(true);
    expect(cq.closed).toBe(false);
    expect(ctx.allocPd().closed).toBe(false);
    ctx.close();
  });

  it('closing a CQ closes the QPs that use it first', async () => {
    const ctx = await openTestContext();
    const pd = ctx.allocPd();
    const cq = ctx.createCq();
    const cq2 = ctx.createCq();
    const qp = pd.createQp({ type: QpType.RC, sendCq: cq, recvCq: cq2 });
    const other = pd.createQp({ type: QpType.RC, sendCq: cq });
    cq2.close();
    expect(qp.closed).toBe(true);
    expect(other.closed).toBe(false);
    ctx.close();
  });

  it('a region used by a posted request refuses new posts after it is closed', async () => {
    const ctx = await openTestContext();
    const pd = ctx.allocPd();
    const cq = ctx.createCq();
    const qp = pd.createQp({ type: QpType.RC, sendCq: cq });
    const mr = region(pd, 64);
    mr.close();
    expect(() => qp.postRecv({ sgList: [{ mr }] })).toThrow(ClosedError);
    ctx.close();
  });

  it('Symbol.dispose closes', async () => {
    const ctx = await openTestContext();
    {
      using pd = ctx.allocPd();
      using cq = ctx.createCq();
      expect(pd.closed || cq.closed).toBe(false);
      var keep = { pd, cq };
    }
    expect(keep.pd.closed).toBe(true);
    expect(keep.cq.closed).toBe(true);
    ctx[Symbol.dispose]();
    expect(ctx.closed).toBe(true);
  });

  it('survives 200 create/use/close cycles', async () => {
    for (let i = 0; i < 200; i++) {
      const ctx = await openTestContext();
      const pd = ctx.allocPd();
      const cq = ctx.createCq({ depth: 16 });
      const a = pd.createQp({ type: QpType.RC, sendCq: cq });
      const b = pd.createQp({ type: QpType.RC, sendCq: cq });
      const mr = region(pd, 256);
      await a.connect(b.endpoint());
      await b.connect(a.endpoint());
      b.postRecv({ wrId: 1, sgList: [{ mr, offset: 128, length: 128 }] });
      a.postSend({ wrId: 2, sgList: [{ mr, length: 16 }] });
      const wcs = await collect(cq, 2);
      expect(wcs.every((w) => w.status === WcStatus.SUCCESS)).toBe(true);
      if (i % 2 === 0) {
        a.close();
        mr.close();
        pd.close();
      }
      ctx.close();
      ctx.close();
    }
  }, 120_000);
});
