import { describe, it, expect, afterEach } from 'vitest';
import { listDevices, InvalidArgumentError, PortState, GidType, ClosedError, type Context } from '../../lib/index.js';
import { openTestContext, testDeviceName } from './harness.js';

describe(`device queries on ${testDeviceName()}`, () => {
  let ctx: Context | undefined;
  afterEach(() => ctx?.close());

  it('lists the test device and loop0', () => {
    const names = listDevices().map((d) => d.name);
    expect(names).toContain(testDeviceName());
    expect(names).toContain('loop0');
    for (const d of listDevices()) {
      expect(d.guid).toMatch(/^[0-9a-f]{16}$/);
      expect(['native', 'loopback']).toContain(d.provider);
    }
  });

  it('reports device attributes', async () => {
    ctx = await openTestContext();
    expect(ctx.device.name).toBe(testDeviceName());
    const attr = ctx.queryDevice();
    expect(attr.physPortCnt).toBeGreaterThanOrEqual(1);
    expect(attr.maxQp).toBeGreaterThan(0);
    expect(attr.maxQpWr).toBeGreaterThan(0);
    expect(attr.maxSge).toBeGreaterThan(0);
    expect(attr.maxCqe).toBeGreaterThan(0);
    expect(typeof attr.maxMrSize).toBe('bigint');
  });

  it('reports an active port 1 and its GID table', async () => {
    ctx = await openTestContext();
    const port = ctx.queryPort(1);
    expect(port.state).toBe(PortState.ACTIVE);
    expect(port.stateName).toBe('ACTIVE');
    expect(port.activeMtu).toBeGreaterThanOrEqual(1);
    expect(port.activeMtu).toBeLessThanOrEqual(5);
    const gids = ctx.gidTable(1);
    expect(gids.length).toBeGreaterThan(0);
    for (const g of gids) {
      expect([GidType.IB, GidType.ROCE_V1, GidType.ROCE_V2]).toContain(g.type);
      expect(g.gid).toContain(':');
    }
  });

  it('rejects port numbers outside the device', async () => {
    ctx = await openTestContext();
    expect(() => ctx!.queryPort(0)).toThrow(InvalidArgumentError);
    expect(() => ctx!.queryPort(ctx!.queryDevice().physPortCnt + 1)).toThrow(InvalidArgumentError);
    expect(() => ctx!.gidTable(1.5)).toThrow(InvalidArgumentError);
  });

  it('refuses queries after close', async () => {
    ctx = await openTestContext();
    ctx.close();
    expect(() => ctx!.queryDevice()).toThrow(ClosedError);
    expect(() => ctx!.allocPd()).toThrow(ClosedError);
  });
});
