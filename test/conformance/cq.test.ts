import { describe, it, expect, afterEach } from 'vitest';
import { QpType, WcStatus, RdmaError, ClosedError, InvalidArgumentError, WcBatch, type AsyncEvent, type WorkCompletion } from '../../lib/index.js';
import { makePair, region, collect, sleep, testDeviceName, openTestContext, skipReason, type Pair } from './harness.js';

describe(`completion queues on ${testDeviceName()}`, () => {
  let p: Pair | undefined;
  afterEach(() => p?.close());

  it('next() waits on the event loop until a completion arrives', async () => {
    p = await makePair(QpType.RC);
    const buf = region(p.pd, 64);
    p.b.postRecv({ wrId: 42, sgList: [{ mr: buf }] });
    const waiting = p.cqB.next();
    await sleep(20);
    p.a.postSend({ wrId: 1, sgList: [{ mr: buf, length: 4 }] });
    const wc = await waiting;
    expect(wc).toMatchObject({ wrId: 42, status: WcStatus.SUCCESS });
  });

  it('async iteration yields completions and ends when the CQ closes', async () => {
    p = await makePair(QpType.RC);
    const buf = region(p.pd, 64 * 3);
    p.b.postRecv([0, 1, 2].map((i) => ({ wrId: i, sgList: [{ mr: buf, offset: i * 64, length: 64 }] })));
    const seen: WorkCompletion[] = [];
    const done = (async () => {
      for await (const wc of p!.cqB) {
        seen.push(wc);
        if (seen.length === 3) setTimeout(() => p!.cqB.close(), 5);
      }
    })();
    p.a.postSend([0, 1, 2].map((i) => ({ wrId: 10 + i, sgList: [{ mr: buf, length: 8 }] })));
    await done;
    expect(seen.map((w) => w.wrId)).toEqual([0, 1, 2]);
  });

  it('a closed CQ rejects a pending next()', async () => {
    const ctx = await openTestContext();
    const cq = ctx.createCq();
    const pending = cq.next();
    cq.close();
    await expect(pending).rejects.toThrow(ClosedError);
    ctx.close();
  });

  it('validates depth, batch capacity and poll sizes', async () => {
    const ctx = await openTestContext();
    expect(() => ctx.createCq({ depth: 0 })).toThrow(InvalidArgumentError);
    expect(() => ctx.createCq({ depth: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => new WcBatch(0)).toThrow(InvalidArgumentError);
    const cq = ctx.createCq();
    expect(() => cq.poll(0)).toThrow(InvalidArgumentError);
    expect(cq.poll()).toEqual([]);
    ctx.close();
  });

  const overrunSkip = skipReason('cq-overrun');
  it.skipIf(overrunSkip !== null)('a CQ overrun is an error, never a silent drop', async () => {
    const ctx = await openTestContext();
    const events: AsyncEvent[] = [];
    ctx.on('event', (e) => events.push(e));
    const pd = ctx.allocPd();
    const small = ctx.createCq({ depth: 4 });
    const other = ctx.createCq({ depth: 64 });
    const a = pd.createQp({ type: QpType.RC, sendCq: small, recvCq: other });
    const b = pd.createQp({ type: QpType.RC, sendCq: other });
    await a.connect(b.endpoint());
    await b.connect(a.endpoint());
    const buf = region(pd, 64 * 16);
    b.postRecv(Array.from({ length: 16 }, (_, i) => ({ wrId: i, sgList: [{ mr: buf, offset: i * 64, length: 64 }] })));
    a.postSend(Array.from({ length: 16 }, (_, i) => ({ wrId: i, sgList: [{ mr: buf, length: 4 }] })));
    let error: unknown;
    const deadline = Date.now() + 10_000;
    while (!error && Date.now() < deadline) {
      await sleep(20);
      try {
        small.poll(1);
        error = undefined;
        if (events.length > 0) break;
      } catch (err) {
        error = err;
      }
    }
    expect(error instanceof RdmaError || events.some((e) => e.typeName === 'CQ_ERR')).toBe(true);
    if (error) expect((error as RdmaError).code).toBe('ERR_CQ_OVERRUN');
    ctx.close();
  });
});
