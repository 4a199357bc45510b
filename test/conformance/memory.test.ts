import { describe, it, expect, afterEach } from 'vitest';
import { MessageChannel } from 'node:worker_threads';
import { Access, InvalidArgumentError, ClosedError, QpType, WrOpcode, wcStatusName, type Context } from '../../lib/index.js';
import { ackTimeout, collect, makePair, openTestContext, region, testDeviceName } from './harness.js';

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

describe(`the memory rule on ${testDeviceName()}`, () => {
  let ctx: Context | undefined;
  afterEach(() => ctx?.close());

  it('refuses a resizable ArrayBuffer and a detached one with InvalidArgumentError', async () => {
    ctx = await openTestContext();
    const pd = ctx.allocPd();
    const resizable = new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(64, { maxByteLength: 128 });
    expect(() => pd.registerMemory(resizable)).toThrow(/resizable/);
    expect(() => pd.registerMemory(new Uint8Array(resizable, 0, 32))).toThrow(InvalidArgumentError);
    const gone = new ArrayBuffer(64);
    structuredClone(gone, { transfer: [gone] });
    expect(() => pd.registerMemory(gone)).toThrow(/detached/);
    expect(() => pd.registerMemory(gone)).toThrow(InvalidArgumentError);
  });

  it('a registered ArrayBuffer cannot be transferred away: its region keeps its bytes and works', async () => {
    ctx = await openTestContext();
    const pd = ctx.allocPd();
    const bytes = new Uint8Array(4096);
    const mr = pd.registerMemory(bytes, Access.LOCAL_WRITE);
    bytes[7] = 42;
    // Node 20 copies an untransferable buffer; later versions refuse the transfer.
    try { structuredClone(bytes.buffer, { transfer: [bytes.buffer] }); } catch (e) { expect((e as Error).name).toBe('DataCloneError'); }
    const { port1, port2 } = new MessageChannel();
    try { port1.postMessage(bytes.buffer, [bytes.buffer]); } catch (e) { expect((e as Error).name).toBe('DataCloneError'); } finally { port1.close(); port2.close(); }
    expect(bytes.byteLength).toBe(4096);
    expect(mr.buffer.byteLength).toBe(4096);
    expect(mr.buffer[7]).toBe(42);
  });

  it('memory detached by ArrayBuffer.prototype.transfer(), where Node allows it, gives typed errors and error completions', async (t) => {
    const transfer = (ArrayBuffer.prototype as { transfer?: (this: ArrayBuffer) => ArrayBuffer }).transfer;
    if (transfer === undefined) t.skip();
    const p = await makePair(QpType.RC, {}, { retryCnt: 1, timeout: ackTimeout(10) });
    ctx = p.ctx;
    const bytes = new Uint8Array(256);
    const mr = p.pd.registerMemory(bytes, Access.LOCAL_WRITE | Access.REMOTE_READ | Access.REMOTE_WRITE);
    try {
      transfer!.call(bytes.buffer);
    } catch (e) {
      expect(e).toBeInstanceOf(TypeError); // this Node honours the untransferable mark
      expect(mr.buffer.byteLength).toBe(256);
      return;
    }
    expect(() => p.a.postSend({ wrId: 1, sgList: [{ mr, length: 8 }] })).toThrow(/detached/);
    expect(() => p.b.postRecv({ wrId: 2, sgList: [{ mr }] })).toThrow(InvalidArgumentError);
    const local = region(p.pd, 64);
    p.a.postSend({ wrId: 3, opcode: WrOpcode.RDMA_READ, sgList: [{ mr: local, length: 8 }], remoteAddr: mr.addr, rkey: mr.rkey });
    const [s] = await collect(p.cqA, 1);
    expect([s!.wrId, wcStatusName(s!.status)]).toEqual([3, 'REM_ACCESS_ERR']);
  });

  it('a growable SharedArrayBuffer is registered at its length and keeps it after growing', async () => {
    ctx = await openTestContext();
    const pd = ctx.allocPd();
    const sab = new (SharedArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => SharedArrayBuffer & { grow?(n: number): void })(64, { maxByteLength: 256 });
    const mr = pd.registerMemory(sab, Access.LOCAL_WRITE);
    sab.grow?.(256);
    expect(mr.length).toBe(64);
    expect(mr.buffer.byteLength).toBe(64);
  });
});
