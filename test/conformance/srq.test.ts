import { describe, it, expect, afterEach } from 'vitest';
import { QpType, WcStatus, InvalidArgumentError, type Context } from '../../lib/index.js';
import { openTestContext, region, collect, testDeviceName } from './harness.js';

describe(`shared receive queues on ${testDeviceName()}`, () => {
  let ctx: Context | undefined;
  afterEach(() => ctx?.close());

  it('serves receives to several QPs from one queue', async () => {
    ctx = await openTestContext();
    const pd = ctx.allocPd();
    const cq = ctx.createCq({ depth: 256 });
    const srq = pd.createSrq({ maxWr: 64, maxSge: 1 });
    const r1 = pd.createQp({ type: QpType.RC, sendCq: cq, srq });
    const r2 = pd.createQp({ type: QpType.RC, sendCq: cq, srq });
    const s1 = pd.createQp({ type: QpType.RC, sendCq: cq });
    const s2 = pd.createQp({ type: QpType.RC, sendCq: cq });
    await r1.connect(s1.endpoint());
    await s1.connect(r1.endpoint());
    await r2.connect(s2.endpoint());
    await s2.connect(r2.endpoint());
    const dst = region(pd, 64 * 4);
    srq.postRecv(Array.from({ length: 4 }, (_, i) => ({ wrId: 10 + i, sgList: [{ mr: dst, offset: i * 64, length: 64 }] })));
    const src = region(pd, 64);
    src.buffer.fill(1, 0, 8);
    src.buffer.fill(2, 8, 16);
    s1.postSend({ wrId: 1, sgList: [{ mr: src, offset: 0, length: 8 }] });
    s2.postSend({ wrId: 2, sgList: [{ mr: src, offset: 8, length: 8 }] });
    const wcs = await collect(cq, 4);
    const recvs = wcs.filter((w) => w.wrId >= 10);
    expect(recvs).toHaveLength(2);
    expect(recvs.every((w) => w.status === WcStatus.SUCCESS)).toBe(true);
    expect(new Set(recvs.map((w) => w.qpNum))).toEqual(new Set([r1.qpn, r2.qpn]));
    for (const w of recvs) {
      const slot = w.wrId - 10;
      const expected = w.qpNum === r1.qpn ? 1 : 2;
      expect(dst.buffer.subarray(slot * 64, slot * 64 + 8).every((x) => x === expected)).toBe(true);
    }
  });

  it('refuses receives posted to a QP that uses an SRQ, and an SRQ of another PD', async () => {
    ctx = await openTestContext();
    const pd = ctx.allocPd();
    const cq = ctx.createCq();
    const srq = pd.createSrq();
    const qp = pd.createQp({ type: QpType.RC, sendCq: cq, srq });
    const buf = region(pd, 64);
    expect(() => qp.postRecv({ sgList: [{ mr: buf }] })).toThrow(/shared receive queue/);
    const pd2 = ctx.allocPd();
    expect(() => pd2.createQp({ type: QpType.RC, sendCq: cq, srq })).toThrow(InvalidArgumentError);
  });

  it('closing an SRQ closes the QPs that use it first', async () => {
    ctx = await openTestContext();
    const pd = ctx.allocPd();
    const cq = ctx.createCq();
    const srq = pd.createSrq();
    const qp = pd.createQp({ type: QpType.RC, sendCq: cq, srq });
    srq.close();
    expect(qp.closed).toBe(true);
    expect(srq.closed).toBe(true);
  });

  it('refuses more receives than the SRQ holds', async () => {
    ctx = await openTestContext();
    const pd = ctx.allocPd();
    const srq = pd.createSrq({ maxWr: 4 });
    const buf = region(pd, 64);
    let accepted = 0;
    expect(() => {
      for (let i = 0; i < 64; i++) {
        srq.postRecv({ wrId: i, sgList: [{ mr: buf }] });
        accepted++;
      }
    }).toThrow(/full|ENOMEM/i);
    expect(accepted).toBeGreaterThanOrEqual(4);
  });
});
