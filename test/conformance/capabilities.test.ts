import { describe, it, expect } from 'vitest';
import {
  ClosedError, InvalidArgumentError, openDevice, ProviderName, QpType, WcBatch, WrOpcode, AtomicCap,
} from '../../lib/index.js';
import { openTestContext, overPeerPath, testDeviceName, testProvider } from './harness.js';
import { isMapping, sharedMemory } from '../../lib/providers/loopback/mapping/shared-memory.js';

describe(`capabilities of ${testDeviceName()}`, () => {
  it('describe the device as data that agrees with its attributes', async () => {
    const ctx = await openTestContext();
    try {
      const caps = ctx.capabilities;
      const attrs = ctx.queryDevice();
      expect(caps.provider).toBe(ctx.device.provider);
      expect(caps.provider).toBe(testProvider());
      expect(caps.qpTypes).toEqual(expect.arrayContaining([QpType.RC, QpType.UC, QpType.UD]));
      expect(caps.ud).toBe(true);
      expect(caps.sendOpcodes).toEqual(expect.arrayContaining([WrOpcode.SEND, WrOpcode.RDMA_WRITE, WrOpcode.RDMA_READ]));
      expect(caps.atomics).toBe(attrs.atomicCap !== AtomicCap.NONE);
      expect(caps.sendOpcodes.includes(WrOpcode.ATOMIC_FETCH_AND_ADD)).toBe(caps.atomics);
      expect(caps.maxQpWr).toBe(attrs.maxQpWr);
      expect(caps.maxSge).toBe(attrs.maxSge);
      expect(caps.maxCqe).toBe(attrs.maxCqe);
      expect(caps.maxMrSize).toBe(attrs.maxMrSize);
      expect(caps.maxQpRdAtom).toBe(attrs.maxQpRdAtom);
      expect(caps.srq).toBe(attrs.maxSrq > 0);
      expect(Object.isFrozen(caps)).toBe(true);
      expect(ctx.capabilities).toBe(caps);
    } finally {
      ctx.close();
    }
  });

  it('name the memory allocBuffer() gives and the open options the provider reads', async () => {
    const ctx = await openTestContext();
    try {
      const caps = ctx.capabilities;
      const bytes = ctx.allocBuffer(4096);
      if (overPeerPath() && sharedMemory() !== null) {
        // a hub context: a named mapping other processes of the host map too
        expect(caps.memory).toBe('shared');
        expect(isMapping(bytes.buffer)).toBe(true);
      } else {
        expect(bytes.buffer instanceof SharedArrayBuffer).toBe(caps.memory === 'shared');
      }
      const expected = caps.provider === ProviderName.LOOPBACK ? ['port', 'gidIndex', 'hub', 'hubAddress', 'hubToken', 'pkeys'] : ['port', 'gidIndex'];
      expect([...caps.openOptions].sort()).toEqual(expected.sort());
    } finally {
      ctx.close();
    }
  });

  it('stay readable after close once read, and are refused when first read after close', async () => {
    const a = await openTestContext();
    const caps = a.capabilities;
    a.close();
    expect(a.capabilities).toBe(caps);
    const b = await openTestContext();
    b.close();
    expect(() => b.capabilities).toThrow(ClosedError);
  });

  it('openDevice() refuses an option no provider reads', async () => {
    const err = await openDevice(testDeviceName(), { hubb: false } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).argument).toBe('options.hubb');
  });
});

describe(`pollBatch() arguments on ${testDeviceName()}`, () => {
  it('refuses a count that is not an integer >= 0 and a batch that is not a WcBatch', async () => {
    const ctx = await openTestContext();
    try {
      const cq = ctx.createCq();
      const batch = new WcBatch(8);
      for (const bad of [-1, 1.5, Number.NaN, '4' as unknown as number]) {
        expect(() => cq.pollBatch(batch, bad)).toThrow(InvalidArgumentError);
      }
      expect(() => cq.pollBatch({ capacity: 8 } as unknown as WcBatch)).toThrow(InvalidArgumentError);
      expect(cq.pollBatch(batch, 0)).toBe(0);
      expect(cq.pollBatch(batch, 1000)).toBe(0);
      expect(batch.count).toBe(0);
    } finally {
      ctx.close();
    }
  });
});
