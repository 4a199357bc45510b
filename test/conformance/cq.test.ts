import { describe, it, expect, afterEach } from 'vitest';
import { QpType, WcStatus, RdmaError, ClosedError, InvalidArgumentError, WcBatch, DEFAULT_SPIN_US, type AsyncEvent, type WorkCompletion } from '../../lib/index.js';
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

  it('wait() spins first by default, takes spinUs per CQ and per call, and 0 sleeps at once; each wakes for a later completion', async () => {
    p = await makePair(QpType.RC);
    expect(p.cqA.spinUs).toBe(DEFAULT_SPIN_US);
    const never = p.ctx.createCq({ depth: 16, spinUs: 0 });
    expect(never.spinUs).toBe(0);
    const buf = region(p.pd, 64);
    for (const options of [undefined, { spinUs: 0 }, { spinUs: 2000 }]) {
      p.b.postRecv({ wrId: 7, sgList: [{ mr: buf }] });
      const waiting = p.cqB.wait(options);
      await sleep(20);
      p.a.postSend({ wrId: 8, sgList: [{ mr: buf, length: 4 }] });
      await waiting;
      expect((await collect(p.cqB, 1))[0]).toMatchObject({ wrId: 7, status: WcStatus.SUCCESS });
      await collect(p.cqA, 1);
    }
    expect(() => p!.ctx.createCq({ spinUs: -1 })).toThrow(InvalidArgumentError);
    await expect(p.cqA.wait({ spinUs: 1.5 })).rejects.toThrow(InvalidArgumentError);
    await expect(p.cqA.wait({ spin: 3 } as never)).rejects.toThrow(/did you mean "spinUs"/);
  });

  it('a spinning wait() consumes nothing: completions it saw are polled afterwards, all of them, in order', async () => {
    p = await makePair(QpType.RC);
    const buf = region(p.pd, 64);
    p.b.postRecv(Array.from({ length: 40 }, (_, i) => ({ wrId: 100 + i, sgList: [{ mr: buf }] })));
    p.a.postSend(Array.from({ length: 40 }, (_, i) => ({ wrId: i, sgList: [{ mr: buf, length: 4 }] })));
    await collect(p.cqA, 40);
    await p.cqB.wait({ spinUs: 100_000 });
    const batch = new WcBatch(8);
    const ids: number[] = [];
    while (ids.length < 40) {
      const n = p.cqB.pollBatch(batch);
      for (let i = 0; i < n; i++) ids.push(batch.wrId(i));
      if (n === 0) await p.cqB.wait();
    }
    expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => 100 + i));
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
