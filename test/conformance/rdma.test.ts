import { describe, it, expect, afterEach } from 'vitest';
import { QpType, WcStatus, WcOpcode, WcFlags, WrOpcode } from '../../lib/index.js';
import { makePair, region, pattern, collect, quiet, testDeviceName, type Pair } from './harness.js';

describe(`RDMA write and read on ${testDeviceName()}`, () => {
  let p: Pair | undefined;
  afterEach(() => p?.close());

  it('writes into the remote region at the address the rkey names, without a receive', async () => {
    p = await makePair(QpType.RC);
    const src = region(p.pd, 8192);
    const dst = region(p.pd, 8192, 0x33);
    src.buffer.set(pattern(8192, 5));
    const remote = dst.toRemote();
    p.a.postSend({ wrId: 1, opcode: WrOpcode.RDMA_WRITE, remoteAddr: BigInt(remote.addr) + 100n, rkey: remote.rkey, sgList: [{ mr: src, offset: 0, length: 5000 }] });
    const [s] = await collect(p.cqA, 1);
    expect(s).toMatchObject({ wrId: 1, status: WcStatus.SUCCESS, opcode: WcOpcode.RDMA_WRITE });
    expect(Buffer.from(dst.buffer.subarray(100, 5100)).equals(Buffer.from(src.buffer.subarray(0, 5000)))).toBe(true);
    expect(dst.buffer[99]).toBe(0x33);
    expect(dst.buffer[5100]).toBe(0x33);
    expect(await quiet(p.cqB, 50)).toEqual([]);
  });

  it('RDMA_WRITE_WITH_IMM consumes a receive and reports the immediate', async () => {
    p = await makePair(QpType.RC);
    const src = region(p.pd, 256, 0x44);
    const dst = region(p.pd, 256);
    const sink = region(p.pd, 16);
    p.b.postRecv({ wrId: 77, sgList: [{ mr: sink }] });
    p.a.postSend({ wrId: 2, opcode: WrOpcode.RDMA_WRITE_WITH_IMM, imm: 1234567, remoteAddr: dst.addr, rkey: dst.rkey, sgList: [{ mr: src, length: 200 }] });
    const [r] = await collect(p.cqB, 1);
    expect(r).toMatchObject({ wrId: 77, status: WcStatus.SUCCESS, opcode: WcOpcode.RECV_RDMA_WITH_IMM, imm: 1234567 });
    expect(r!.wcFlags & WcFlags.WITH_IMM).toBe(WcFlags.WITH_IMM);
    expect(dst.buffer.subarray(0, 200).every((x) => x === 0x44)).toBe(true);
    expect((await collect(p.cqA, 1))[0]!.opcode).toBe(WcOpcode.RDMA_WRITE);
  });

  it('reads remote memory into local SGEs', async () => {
    p = await makePair(QpType.RC);
    const remote = region(p.pd, 4096);
    remote.buffer.set(pattern(4096, 11));
    const local = region(p.pd, 4096);
    p.a.postSend({
      wrId: 3, opcode: WrOpcode.RDMA_READ, remoteAddr: remote.addr + 1000n, rkey: remote.rkey,
      sgList: [{ mr: local, offset: 0, length: 1000 }, { mr: local, offset: 2000, length: 500 }],
    });
    const [s] = await collect(p.cqA, 1);
    expect(s).toMatchObject({ wrId: 3, status: WcStatus.SUCCESS, opcode: WcOpcode.RDMA_READ, byteLen: 1500 });
    expect(Buffer.from(local.buffer.subarray(0, 1000)).equals(Buffer.from(remote.buffer.subarray(1000, 2000)))).toBe(true);
    expect(Buffer.from(local.buffer.subarray(2000, 2500)).equals(Buffer.from(remote.buffer.subarray(2000, 2500)))).toBe(true);
    expect(local.buffer[1000]).toBe(0);
  });

  it('moves a 4 MiB write and read intact', async () => {
    p = await makePair(QpType.RC);
    const size = 4 << 20;
    const src = region(p.pd, size);
    const mid = region(p.pd, size);
    const back = region(p.pd, size);
    src.buffer.set(pattern(size, 21));
    p.a.postSend({ wrId: 1, opcode: WrOpcode.RDMA_WRITE, remoteAddr: mid.addr, rkey: mid.rkey, sgList: [{ mr: src }] });
    p.a.postSend({ wrId: 2, opcode: WrOpcode.RDMA_READ, remoteAddr: mid.addr, rkey: mid.rkey, sgList: [{ mr: back }] });
    const wcs = await collect(p.cqA, 2, 60_000);
    expect(wcs.map((w) => w.status)).toEqual([WcStatus.SUCCESS, WcStatus.SUCCESS]);
    expect(Buffer.from(back.buffer).equals(Buffer.from(src.buffer))).toBe(true);
  });
});
