import { describe, it, expect, afterEach } from 'vitest';
import { QpState, QpType, WcStatus, wcStatusName, type CompletionQueue, type Context, type QueuePair } from '../../lib/index.js';
import { ackTimeout, collect, makePair, openTestContext, region, testDeviceName, type Pair } from './harness.js';

/**
 * The longest an RC request may wait for an answer before RETRY_EXC_ERR:
 * (retryCnt + 1) local ACK timeouts of 4.096 us * 2^timeout. A test allows
 * this bound plus a scheduling margin, never an open-ended wait.
 */
function retryBoundMs(timeout: number, retryCnt: number): number {
  return (retryCnt + 1) * 0.004096 * 2 ** timeout;
}

const ATTRS = { timeout: ackTimeout(10), retryCnt: 2 } as const;
const MARGIN_MS = 5000;

describe(`RC local ACK timer on ${testDeviceName()}`, () => {
  let p: Pair | undefined;
  let extra: Context | undefined;
  afterEach(() => {
    p?.close();
    p = undefined;
    extra?.close();
    extra = undefined;
  });

  async function expectRetryExceeded(qp: QueuePair, cq: CompletionQueue, wrIds: number[]): Promise<void> {
    const wcs = await collect(cq, wrIds.length, retryBoundMs(ATTRS.timeout, ATTRS.retryCnt) + MARGIN_MS);
    expect(wcs.map((w) => [w.wrId, wcStatusName(w.status)])).toEqual(wrIds.map((id, i) => [id, i === 0 ? 'RETRY_EXC_ERR' : 'WR_FLUSH_ERR']));
    expect(qp.state).toBe(QpState.ERR);
  }

  it('a one-sided connect to a QP connected to another QP: RETRY_EXC_ERR, then the rest flush', async () => {
    p = await makePair(QpType.RC, {}, ATTRS);
    // c connects to b, but b stays connected to a: nobody answers c.
    const c = p.pd.createQp({ type: QpType.RC, sendCq: p.cqB });
    await c.connect(p.b.endpoint(), ATTRS);
    const buf = region(p.pd, 64, 3);
    p.b.postRecv({ wrId: 100, sgList: [{ mr: region(p.pd, 64) }] });
    c.postSend([{ wrId: 1, sgList: [{ mr: buf, length: 8 }] }, { wrId: 2, sgList: [{ mr: buf, length: 8 }] }]);
    await expectRetryExceeded(c, p.cqB, [1, 2]);
    // b and a are unharmed
    const src = region(p.pd, 64, 5);
    p.a.postSend({ wrId: 7, sgList: [{ mr: src, length: 8 }] });
    const [s] = await collect(p.cqA, 1);
    expect([s!.wrId, s!.status]).toEqual([7, WcStatus.SUCCESS]);
  });

  it('a peer QP that was destroyed: RETRY_EXC_ERR within the bound', async () => {
    p = await makePair(QpType.RC, {}, ATTRS);
    const buf = region(p.pd, 64);
    p.b.close();
    p.a.postSend({ wrId: 1, sgList: [{ mr: buf, length: 8 }] });
    await expectRetryExceeded(p.a, p.cqA, [1]);
  });

  it('a peer in another context that was closed: one error completion within the bound', async () => {
    p = await makePair(QpType.RC, {}, ATTRS);
    extra = await openTestContext();
    const pd = extra.allocPd();
    const cq = extra.createCq({ depth: 16 });
    const far = pd.createQp({ type: QpType.RC, sendCq: cq });
    const near = p.pd.createQp({ type: QpType.RC, sendCq: p.cqA });
    await near.connect(far.endpoint(), ATTRS);
    await far.connect(near.endpoint(), ATTRS);
    extra.close();
    extra = undefined;
    const buf = region(p.pd, 64);
    near.postSend({ wrId: 1, sgList: [{ mr: buf, length: 8 }] });
    // RETRY_EXC_ERR when the loss goes unnoticed; WR_FLUSH_ERR when the provider learnt of it and moved the QP to ERR first
    const wcs = await collect(p.cqA, 1, retryBoundMs(ATTRS.timeout, ATTRS.retryCnt) + MARGIN_MS);
    expect(['RETRY_EXC_ERR', 'WR_FLUSH_ERR']).toContain(wcStatusName(wcs[0]!.status));
  });
});
