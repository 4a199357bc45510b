import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PKEY, InvalidArgumentError, QpState, QpType, type Context } from '../../lib/index.js';
import { openTestContext, testDeviceName } from './harness.js';

describe(`P_Keys on ${testDeviceName()}`, () => {
  let ctx: Context | undefined;
  afterEach(() => ctx?.close());

  it('the P_Key table has pkeyTblLen entries and index 0 is the default full-member 0xffff', async () => {
    ctx = await openTestContext();
    const table = ctx.pkeyTable(1);
    expect(table).toHaveLength(ctx.queryPort(1).pkeyTblLen);
    expect(table[0]).toBe(DEFAULT_PKEY);
    for (const p of table) expect(p).toBeGreaterThanOrEqual(0);
    expect(() => ctx!.pkeyTable(0)).toThrow(InvalidArgumentError);
  });

  it('a QP takes its P_Key index in the INIT step and reports it; an index past the table is refused before the device sees it', async () => {
    ctx = await openTestContext();
    const pd = ctx.allocPd();
    const cq = ctx.createCq({ depth: 4 });
    const qp = pd.createQp({ type: QpType.RC, sendCq: cq });
    await qp.modify(QpState.INIT, { pkeyIndex: 0 });
    expect(qp.query().pkeyIndex).toBe(0);
    const length = ctx.queryPort(1).pkeyTblLen;
    await expect(qp.modify(QpState.INIT, { pkeyIndex: length })).rejects.toThrow(/attrs\.pkeyIndex/);
    await expect(qp.modify(QpState.INIT, { pkeyIndex: length })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(qp.query().pkeyIndex).toBe(0);
  });
});
