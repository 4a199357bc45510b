import { describe, it, expect, afterEach } from 'vitest';
import { Access, QpType, QpState, WcStatus, WrOpcode, RdmaError, checkCompletion, WorkCompletionError, wcStatusName, type WrOpcodeValue } from '../../lib/index.js';
import { ackTimeout, makePair, region, collect, testDeviceName, skipReason, expectedStatuses, type Pair } from './harness.js';

describe(`error completions on ${testDeviceName()}`, () => {
  let p: Pair | undefined;
  afterEach(() => p?.close());

  it('RNR_RETRY_EXC_ERR when no receive is posted and retries run out; the rest flush', async () => {
    p = await makePair(QpType.RC, {}, { rnrRetry: 0, minRnrTimer: 1 });
    const src = region(p.pd, 64);
    p.a.postSend([{ wrId: 1, sgList: [{ mr: src, length: 8 }] }, { wrId: 2, sgList: [{ mr: src, length: 8 }] }]);
    const wcs = await collect(p.cqA, 2);
    expect(wcs.map((w) => [w.wrId, wcStatusName(w.status)])).toEqual([[1, 'RNR_RETRY_EXC_ERR'], [2, 'WR_FLUSH_ERR']]);
    expect(p.a.state).toBe(QpState.ERR);
    expect(() => checkCompletion(wcs[0]!)).toThrow(WorkCompletionError);
    try {
      checkCompletion(wcs[0]!);
    } catch (err) {
      expect((err as WorkCompletionError).code).toBe('ERR_WC_RNR_RETRY_EXC_ERR');
      expect((err as WorkCompletionError).statusName).toBe('RNR_RETRY_EXC_ERR');
      expect((err as WorkCompletionError).wrId).toBe(1);
    }
  });

  async function remoteAccess(mutate: (addr: bigint, rkey: number) => { remoteAddr: bigint; rkey: number }, access = Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ, opcode: WrOpcodeValue = WrOpcode.RDMA_WRITE): Promise<void> {
    p = await makePair(QpType.RC);
    const src = region(p.pd, 256);
    const dst = region(p.pd, 256, 0, access);
    const t = mutate(dst.addr, dst.rkey);
    p.a.postSend({ wrId: 9, opcode, ...t, sgList: [{ mr: src, length: 64 }] });
    const [wc] = await collect(p.cqA, 1);
    expect(wcStatusName(wc!.status)).toBe('REM_ACCESS_ERR');
    expect(wc!.wrId).toBe(9);
    expect(p.a.state).toBe(QpState.ERR);
    expect(dst.buffer.every((x) => x === 0)).toBe(true);
  }

  it('REM_ACCESS_ERR for an unknown rkey', async () => {
    await remoteAccess((addr, rkey) => ({ remoteAddr: addr, rkey: (rkey ^ 0x5a5a00) >>> 0 }));
  });

  it('REM_ACCESS_ERR for a range past the end of the region', async () => {
    await remoteAccess((addr, rkey) => ({ remoteAddr: addr + 200n, rkey }));
  });

  it('REM_ACCESS_ERR for an address before the region', async () => {
    await remoteAccess((addr, rkey) => ({ remoteAddr: addr - 64n, rkey }));
  });

  it('REM_ACCESS_ERR for a write to a region without REMOTE_WRITE', async () => {
    await remoteAccess((addr, rkey) => ({ remoteAddr: addr, rkey }), Access.LOCAL_WRITE | Access.REMOTE_READ);
  });

  it('REM_ACCESS_ERR for a read of a region without REMOTE_READ', async () => {
    await remoteAccess((addr, rkey) => ({ remoteAddr: addr, rkey }), Access.LOCAL_WRITE | Access.REMOTE_WRITE, WrOpcode.RDMA_READ);
  });

  it('REM_ACCESS_ERR for an atomic on a region without REMOTE_ATOMIC', async () => {
    p = await makePair(QpType.RC);
    const res = region(p.pd, 8);
    const dst = region(p.pd, 64, 0, Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ);
    p.a.postSend({ wrId: 4, opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, remoteAddr: dst.addr, rkey: dst.rkey, compareAdd: 1n, sgList: [{ mr: res, length: 8 }] });
    const [wc] = await collect(p.cqA, 1);
    expect(wcStatusName(wc!.status)).toBe('REM_ACCESS_ERR');
    expect(dst.buffer.every((x) => x === 0)).toBe(true);
  });

  const tooSmall = expectedStatuses(
    { recv: 'LOC_LEN_ERR', send: 'REM_INV_REQ_ERR' },
    { statuses: { recv: 'LOC_QP_OP_ERR', send: 'REM_OP_ERR' }, reason: 'rxe reports a too-small receive as LOC_QP_OP_ERR / REM_OP_ERR' },
  );
  it(`${tooSmall.statuses.recv} at the receiver and ${tooSmall.statuses.send} at the sender when the receive is too small${tooSmall.note}`, async () => {
    p = await makePair(QpType.RC);
    const src = region(p.pd, 256);
    const dst = region(p.pd, 256);
    p.b.postRecv([{ wrId: 1, sgList: [{ mr: dst, length: 32 }] }, { wrId: 2, sgList: [{ mr: dst, offset: 32, length: 32 }] }]);
    p.a.postSend({ wrId: 3, sgList: [{ mr: src, length: 100 }] });
    const recv = await collect(p.cqB, 2);
    expect(recv.map((w) => [w.wrId, wcStatusName(w.status)])).toEqual([[1, tooSmall.statuses.recv], [2, 'WR_FLUSH_ERR']]);
    const [s] = await collect(p.cqA, 1);
    expect(wcStatusName(s!.status)).toBe(tooSmall.statuses.send);
    expect(p.b.state).toBe(QpState.ERR);
  });

  const foreignPd = expectedStatuses('LOC_PROT_ERR', { statuses: 'LOC_QP_OP_ERR', reason: 'rxe reports an lkey of another PD as LOC_QP_OP_ERR' });
  it(`${foreignPd.statuses} for a local SGE of another protection domain${foreignPd.note}`, async () => {
    p = await makePair(QpType.RC);
    const otherPd = p.ctx.allocPd();
    const foreign = region(otherPd, 64);
    const dst = region(p.pd, 64);
    p.b.postRecv({ wrId: 1, sgList: [{ mr: dst }] });
    p.a.postSend({ wrId: 5, sgList: [{ mr: foreign, length: 16 }] });
    const [s] = await collect(p.cqA, 1);
    expect(wcStatusName(s!.status)).toBe(foreignPd.statuses);
    expect(s!.wrId).toBe(5);
    expect(p.a.state).toBe(QpState.ERR);
  });

  it('a QP moved to ERR flushes outstanding receives and later sends', async () => {
    p = await makePair(QpType.RC);
    const buf = region(p.pd, 64);
    p.b.postRecv([{ wrId: 1, sgList: [{ mr: buf }] }, { wrId: 2, sgList: [{ mr: buf }] }]);
    p.b.toError();
    expect(p.b.state).toBe(QpState.ERR);
    const flushed = await collect(p.cqB, 2);
    expect(flushed.map((w) => [w.wrId, wcStatusName(w.status)])).toEqual([[1, 'WR_FLUSH_ERR'], [2, 'WR_FLUSH_ERR']]);
    p.b.postSend({ wrId: 3, signaled: false, sgList: [{ mr: buf, length: 8 }] });
    const [later] = await collect(p.cqB, 1);
    expect([later!.wrId, wcStatusName(later!.status)]).toEqual([3, 'WR_FLUSH_ERR']);
  });

  const flushSkip = skipReason('flush-after-error');
  it.skipIf(flushSkip !== null)(`a receive posted to a QP in ERR is flushed${flushSkip ? ` (${flushSkip})` : ''}`, async () => {
    p = await makePair(QpType.RC);
    const buf = region(p.pd, 64);
    p.b.toError();
    p.b.postRecv({ wrId: 4, sgList: [{ mr: buf }] });
    const [later] = await collect(p.cqB, 1);
    expect([later!.wrId, wcStatusName(later!.status)]).toEqual([4, 'WR_FLUSH_ERR']);
  });

  it('a send to a peer QP in ERR fails (no one responds) instead of hanging', async () => {
    p = await makePair(QpType.RC, {}, { retryCnt: 1, timeout: ackTimeout(8) });
    const buf = region(p.pd, 64);
    p.b.toError();
    p.a.postSend({ wrId: 1, sgList: [{ mr: buf, length: 8 }] });
    const [s] = await collect(p.cqA, 1, 30_000);
    expect(s!.status).not.toBe(WcStatus.SUCCESS);
    expect(p.a.state).toBe(QpState.ERR);
  });

  it('refuses sends before connect and a second connect', async () => {
    p = await makePair(QpType.RC);
    const lone = p.pd.createQp({ type: QpType.RC, sendCq: p.cqA });
    expect(lone.stateName).toBe('INIT');
    const buf = region(p.pd, 64);
    expect(() => lone.postSend({ sgList: [{ mr: buf, length: 8 }] })).toThrow(RdmaError);
    try {
      lone.postSend({ sgList: [{ mr: buf, length: 8 }] });
    } catch (err) {
      expect((err as RdmaError).code).toBe('ERR_BAD_STATE');
    }
    await expect(p.a.connect(p.b.endpoint())).rejects.toMatchObject({ code: 'ERR_BAD_STATE' });
  });

  it('refuses more outstanding sends than the send queue holds, and loses none it accepted', async () => {
    p = await makePair(QpType.RC, { maxSendWr: 8 }, { rnrRetry: 7, minRnrTimer: 1 });
    const src = region(p.pd, 64);
    const dst = region(p.pd, 64 * 64);
    let accepted = 0;
    let refused: unknown;
    for (let i = 0; i < 64; i++) {
      try {
        p.a.postSend({ wrId: i, sgList: [{ mr: src, length: 8 }] });
        accepted++;
      } catch (err) {
        refused = err;
        break;
      }
    }
    expect(refused).toBeInstanceOf(RdmaError);
    expect((refused as RdmaError).code).toBe('ENOMEM');
    expect(accepted).toBeGreaterThanOrEqual(8);
    p.b.postRecv(Array.from({ length: accepted }, (_, i) => ({ wrId: i, sgList: [{ mr: dst, offset: i * 64, length: 64 }] })));
    const wcs = await collect(p.cqA, accepted);
    expect(wcs.map((w) => w.wrId)).toEqual(Array.from({ length: accepted }, (_, i) => i));
    expect(wcs.every((w) => w.status === WcStatus.SUCCESS)).toBe(true);
  });
});
