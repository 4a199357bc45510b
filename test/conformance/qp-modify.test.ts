import { describe, it, expect } from 'vitest';
import {
  Access, ClosedError, InvalidArgumentError, Mtu, QpState, QpType, RdmaError, UnsupportedError, WcStatus,
  type Context, type QpRtrAttributes, type QueuePair,
} from '../../lib/index.js';
import { collect, openTestContext, region, testDeviceName } from './harness.js';

/** Two RC QPs on one context, still in INIT. */
async function twoQps(type: number = QpType.RC): Promise<{ ctx: Context; a: QueuePair; b: QueuePair }> {
  const ctx = await openTestContext();
  const pd = ctx.allocPd();
  const cq = ctx.createCq({ depth: 64 });
  return { ctx, a: pd.createQp({ type, sendCq: cq }), b: pd.createQp({ type, sendCq: cq }) };
}

/** RTR attributes that point `qp` at `peer`, built from the two endpoints only. */
function rtrTo(qp: QueuePair, peer: QueuePair): QpRtrAttributes {
  const mine = qp.endpoint();
  const theirs = peer.endpoint();
  return {
    pathMtu: Math.min(Mtu.MTU_1024, mine.mtu, theirs.mtu),
    destQpn: theirs.qpn,
    rqPsn: theirs.psn,
    maxDestRdAtomic: 4,
    minRnrTimer: 14,
    ahAttr: { dlid: theirs.lid, grh: { dgid: theirs.gid, sgidIndex: mine.gidIndex } },
  };
}

function errorOf(fn: () => unknown): unknown {
  try { fn(); } catch (e) { return e; }
  return undefined;
}

describe(`QP state machine driven with modify() on ${testDeviceName()}`, () => {
  it('INIT -> RTR -> RTS by hand carries data, and query() reads back what was set', async () => {
    const { ctx, a, b } = await twoQps();
    try {
      for (const [qp, peer] of [[a, b], [b, a]] as const) {
        await qp.modify(QpState.RTR, rtrTo(qp, peer));
        expect(qp.state).toBe(QpState.RTR);
      }
      const rtr = rtrTo(a, b);
      const atRtr = a.query();
      expect(atRtr).toMatchObject({
        state: QpState.RTR, pathMtu: rtr.pathMtu, destQpn: rtr.destQpn, rqPsn: rtr.rqPsn,
        maxDestRdAtomic: 4, minRnrTimer: 14,
      });
      expect(atRtr.ahAttr?.grh).toMatchObject({ dgid: b.endpoint().gid, sgidIndex: a.endpoint().gidIndex, hopLimit: 64 });
      expect(atRtr.ahAttr?.port).toBe(a.endpoint().port);
      for (const qp of [a, b]) {
        await qp.modify(QpState.RTS, { sqPsn: qp.endpoint().psn, timeout: 16, retryCnt: 6, rnrRetry: 5, maxRdAtomic: 4 });
      }
      expect(a.query()).toMatchObject({ state: QpState.RTS, sqPsn: a.endpoint().psn, timeout: 16, retryCnt: 6, rnrRetry: 5, maxRdAtomic: 4 });
      expect(a.stateName).toBe('RTS');

      const src = region(a.pd, 64, 7);
      const dst = region(b.pd, 64);
      b.postRecv({ wrId: 2, sgList: [{ mr: dst }] });
      a.postSend({ wrId: 1, sgList: [{ mr: src, length: 64 }] });
      const [wc] = await collect(b.recvCq, 1);
      expect(wc).toMatchObject({ wrId: 2, status: WcStatus.SUCCESS, byteLen: 64 });
      expect([...dst.buffer]).toEqual([...src.buffer]);
    } finally {
      ctx.close();
    }
  });

  it('INIT -> INIT changes the access flags', async () => {
    const { ctx, a } = await twoQps();
    try {
      await a.modify(QpState.INIT, { accessFlags: Access.REMOTE_WRITE });
      expect(a.query()).toMatchObject({ state: QpState.INIT, accessFlags: Access.REMOTE_WRITE, pkeyIndex: 0 });
    } finally {
      ctx.close();
    }
  });

  it('refuses steps the state machine does not allow, leaving the QP where it was', async () => {
    const { ctx, a, b } = await twoQps();
    try {
      await expect(a.modify(QpState.RTS, { sqPsn: 1 })).rejects.toMatchObject({ code: 'ERR_BAD_STATE' });
      await expect(a.modify(QpState.RESET as never)).rejects.toBeInstanceOf(UnsupportedError);
      await expect(a.modify(QpState.SQD as never)).rejects.toBeInstanceOf(UnsupportedError);
      await expect(a.modify(42 as never)).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(a.state).toBe(QpState.INIT);
      await a.modify(QpState.RTR, rtrTo(a, b));
      await expect(a.modify(QpState.RTR, rtrTo(a, b))).rejects.toMatchObject({ code: 'ERR_BAD_STATE' });
      await expect(a.connect(b.endpoint())).rejects.toMatchObject({ code: 'ERR_BAD_STATE' });
      await a.modify(QpState.ERR);
      expect(a.state).toBe(QpState.ERR);
      const err = await a.modify(QpState.RTS, { sqPsn: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RdmaError);
      expect((err as RdmaError).message).toMatch(/needs a QP in RTR.*is in ERR/);
    } finally {
      ctx.close();
    }
  });

  it('names the bad attribute before anything reaches the device', async () => {
    const { ctx, a, b } = await twoQps();
    try {
      const good = rtrTo(a, b);
      const cases: Array<[unknown, string]> = [
        [{ ...good, pathMtu: 9 }, 'attrs.pathMtu'],
        [{ ...good, destQpn: 1 << 24 }, 'attrs.destQpn'],
        [{ ...good, rqPsn: -1 }, 'attrs.rqPsn'],
        [{ ...good, minRnrTimer: 32 }, 'attrs.minRnrTimer'],
        [{ ...good, maxDestRdAtomic: 17 }, 'attrs.maxDestRdAtomic'],
        [{ ...good, ahAttr: undefined }, 'attrs.ahAttr'],
        [{ ...good, ahAttr: { dlid: 0, grh: { dgid: 7, sgidIndex: 0 } } }, 'attrs.ahAttr.grh.dgid'],
        [{ ...good, ahAttr: { ...good.ahAttr, port: 99 } }, 'attrs.ahAttr.port'],
        [null, 'attrs'],
      ];
      for (const [attrs, argument] of cases) {
        const err = await a.modify(QpState.RTR, attrs as QpRtrAttributes).catch((e: unknown) => e);
        expect(err, argument).toBeInstanceOf(InvalidArgumentError);
        expect((err as InvalidArgumentError).argument).toBe(argument);
      }
      await expect(a.modify(QpState.INIT, { pkeyIndex: -1 })).rejects.toMatchObject({ argument: 'attrs.pkeyIndex' });
      await a.modify(QpState.RTR, good);
      for (const [attrs, argument] of [[{}, 'attrs.sqPsn'], [{ sqPsn: 1, retryCnt: 8 }, 'attrs.retryCnt'], [{ sqPsn: 1, timeout: 32 }, 'attrs.timeout']] as const) {
        await expect(a.modify(QpState.RTS, attrs as never)).rejects.toMatchObject({ argument });
      }
      expect(a.state).toBe(QpState.RTR);
    } finally {
      ctx.close();
    }
  });

  it('takes no RTR attributes on UD and reports no address vector there', async () => {
    const { ctx, a } = await twoQps(QpType.UD);
    try {
      await expect(a.modify(QpState.RTR, { destQpn: 5 } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
      await a.modify(QpState.RTR);
      await a.modify(QpState.RTS, { sqPsn: 77 });
      expect(a.query()).toMatchObject({ state: QpState.RTS, sqPsn: 77, ahAttr: null, qkey: 0x11111111 });
    } finally {
      ctx.close();
    }
  });

  it('query() on a closed QP is refused', async () => {
    const { ctx, a } = await twoQps();
    a.close();
    expect(errorOf(() => a.query())).toBeInstanceOf(ClosedError);
    await expect(a.modify(QpState.ERR)).rejects.toBeInstanceOf(ClosedError);
    ctx.close();
  });
});
