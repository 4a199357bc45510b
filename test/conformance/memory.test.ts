import { describe, it, expect, afterEach } from 'vitest';
import { Access, InvalidArgumentError, ClosedError, type Context } from '../../lib/index.js';
import { openTestContext, testDeviceName } from './harness.js';

describe(`memory registration on ${testDeviceName()}`, () => {
  let ctx: Context | undefined;
  afterEach(() => ctx?.close());

  it('registers every kind of buffer and reports keys, address and length', async () => {
    ctx = await openTestContext();
    const pd = ctx.allocPd();
    const kinds = [
      new ArrayBuffer(4096),
      new SharedArrayBuffer(4096),
      Buffer.alloc(8192),
      new Uint32Array(1024),
      new Uint8Array(new ArrayBuffer(10000), 100, 4096),
      ctx.allocBuffer(4096),
    ];
    const keys = new Set<number>();
    for (const k of kinds) {
      const mr = pd.registerMemory(k, Access.LOCAL_WRITE | Access.REMOTE_READ);
      expect(mr.length).toBe(k.byteLength);
      expect(mr.buffer.byteLength).toBe(k.byteLength);
      expect(typeof mr.addr).toBe('bigint');
      expect(mr.addr).toBeGreaterThan(0n);
      expect(keys.has(mr.rkey)).toBe(false);
      keys.add(mr.rkey);
      const remote = JSON.parse(JSON.stringify(mr.toRemote())) as { addr: string; rkey: number; length: number };
      expect(BigInt(remote.addr)).toBe(mr.addr);
      expect(remote.rkey).toBe(mr.rkey);
      expect(remote.length).toBe(k.byteLength);
    }
  });

  it('the region is a view of the registered bytes', async () => {
    ctx = await openTestContext();
    const pd = ctx.allocPd();
    const bytes = new Uint8Array(new ArrayBuffer(64), 16, 32);
    const mr = pd.registerMemory(bytes, Access.LOCAL_WRITE);
    bytes[3] = 42;
    expect(mr.buffer[3]).toBe(42);
  });

  it('gives page-aligned or shareable memory from allocBuffer', async () => {
    ctx = await openTestContext();
    const b = ctx.allocBuffer(10000);
    expect(b.byteLength).toBe(10000);
    expect(b.every((x) => x === 0)).toBe(true);
    expect(() => ctx!.allocBuffer(0)).toThrow(InvalidArgumentError);
  });

  it('rejects bad buffers and flags before they reach the provider', async () => {
    ctx = await openTestContext();
    const pd = ctx.allocPd();
    expect(() => pd.registerMemory(new ArrayBuffer(0))).toThrow(/empty/);
    expect(() => pd.registerMemory('abc' as unknown as ArrayBuffer)).toThrow(InvalidArgumentError);
    expect(() => pd.registerMemory(Buffer.from('pooled'))).toThrow(/pool/);
    expect(() => pd.registerMemory(new ArrayBuffer(8), 1 << 30)).toThrow(/unknown flag/);
    expect(() => pd.registerMemory(new ArrayBuffer(8), Access.REMOTE_WRITE)).toThrow(/LOCAL_WRITE/);
    expect(() => pd.registerMemory(new ArrayBuffer(8), Access.REMOTE_ATOMIC)).toThrow(/LOCAL_WRITE/);
    expect(() => pd.registerMemory(new ArrayBuffer(8), -1)).toThrow(InvalidArgumentError);
  });

  it('closes regions idempotently and refuses them afterwards', async () => {
    ctx = await openTestContext();
    const pd = ctx.allocPd();
    const mr = pd.registerMemory(new ArrayBuffer(64), Access.LOCAL_WRITE);
    mr.close();
    mr.close();
    expect(mr.closed).toBe(true);
    expect(() => mr.backend()).toThrow(ClosedError);
    pd.close();
    expect(() => pd.registerMemory(new ArrayBuffer(8))).toThrow(ClosedError);
  });
});
