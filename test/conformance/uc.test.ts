import { describe, it, expect, afterEach } from 'vitest';
import { QpType, WcStatus, WrOpcode, UnsupportedError } from '../../lib/index.js';
import { makePair, region, pattern, collect, testDeviceName, type Pair } from './harness.js';

describe(`UC on ${testDeviceName()}`, () => {
  let p: Pair | undefined;
  afterEach(() => p?.close());

  it('sends and writes without acknowledgements', async () => {
    p = await makePair(QpType.UC);
    const src = region(p.pd, 1024);
    src.buffer.set(pattern(1024, 8));
    const dst = region(p.pd, 1024);
    const wdst = region(p.pd, 1024);
    p.b.postRecv({ wrId: 1, sgList: [{ mr: dst }] });
    p.a.postSend([
      { wrId: 2, sgList: [{ mr: src, length: 300 }] },
      { wrId: 3, opcode: WrOpcode.RDMA_WRITE, remoteAddr: wdst.addr, rkey: wdst.rkey, sgList: [{ mr: src }] },
    ]);
    const sends = await collect(p.cqA, 2);
    expect(sends.map((w) => [w.wrId, w.status])).toEqual([[2, WcStatus.SUCCESS], [3, WcStatus.SUCCESS]]);
    const [r] = await collect(p.cqB, 1);
    expect(r!.byteLen).toBe(300);
    expect(Buffer.from(dst.buffer.subarray(0, 300)).equals(Buffer.from(src.buffer.subarray(0, 300)))).toBe(true);
    for (let i = 0; i < 100 && !Buffer.from(wdst.buffer).equals(Buffer.from(src.buffer)); i++) await new Promise((res) => setTimeout(res, 10));
    expect(Buffer.from(wdst.buffer).equals(Buffer.from(src.buffer))).toBe(true);
  });

  it('refuses RDMA read and atomics on UC', async () => {
    p = await makePair(QpType.UC);
    const buf = region(p.pd, 64);
    expect(() => p!.a.postSend({ opcode: WrOpcode.RDMA_READ, remoteAddr: buf.addr, rkey: buf.rkey, sgList: [{ mr: buf }] })).toThrow(UnsupportedError);
    expect(() => p!.a.postSend({ opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, remoteAddr: buf.addr, rkey: buf.rkey, sgList: [{ mr: buf, length: 8 }] })).toThrow(UnsupportedError);
  });
});
