import { describe, it, expect, afterEach } from 'vitest';
import { QpType, WcStatus, WcOpcode, WcFlags, WrOpcode, InvalidArgumentError, UnsupportedError } from '../../lib/index.js';
import { makePair, region, pattern, collect, quiet, testDeviceName, skipReason, type Pair } from './harness.js';

const GRH = 40;
const skip = skipReason('ud');

describe.skipIf(skip !== null)(`UD datagrams on ${testDeviceName()}${skip ? ` (${skip})` : ''}`, () => {
  let p: Pair | undefined;
  afterEach(() => p?.close());

  it('delivers a datagram after the 40-byte GRH, naming the source QP', async () => {
    p = await makePair(QpType.UD, { qkey: 0x1234 });
    const src = region(p.pd, 512);
    src.buffer.set(pattern(512, 4));
    const dst = region(p.pd, 512 + GRH);
    p.b.postRecv({ wrId: 1, sgList: [{ mr: dst }] });
    const ah = p.pd.createAddressHandle(p.b.endpoint());
    p.a.postSend({ wrId: 2, opcode: WrOpcode.SEND_WITH_IMM, imm: 99, ah, remoteQpn: p.b.qpn, remoteQkey: 0x1234, sgList: [{ mr: src, length: 512 }] });
    const [r] = await collect(p.cqB, 1);
    expect(r).toMatchObject({ wrId: 1, status: WcStatus.SUCCESS, opcode: WcOpcode.RECV, byteLen: 512 + GRH, srcQp: p.a.qpn, imm: 99 });
    expect(r!.wcFlags & WcFlags.WITH_IMM).toBe(WcFlags.WITH_IMM);
    expect(Buffer.from(dst.buffer.subarray(GRH, GRH + 512)).equals(Buffer.from(src.buffer))).toBe(true);
    expect((await collect(p.cqA, 1))[0]!.status).toBe(WcStatus.SUCCESS);
  });

  it('drops a datagram with the wrong Q_Key', async () => {
    p = await makePair(QpType.UD, { qkey: 0x1234 });
    const src = region(p.pd, 64);
    const dst = region(p.pd, 64 + GRH);
    p.b.postRecv({ wrId: 1, sgList: [{ mr: dst }] });
    const ah = p.pd.createAddressHandle(p.b.endpoint());
    src.buffer.fill(0xaa);
    p.a.postSend({ wrId: 2, ah, remoteQpn: p.b.qpn, remoteQkey: 0x9999, sgList: [{ mr: src, length: 16 }] });
    await collect(p.cqA, 1);
    expect(await quiet(p.cqB, 200)).toEqual([]);
    src.buffer.fill(0xbb);
    p.a.postSend({ wrId: 3, ah, remoteQpn: p.b.qpn, remoteQkey: 0x1234, sgList: [{ mr: src, length: 16 }] });
    const [r] = await collect(p.cqB, 1);
    expect(r!.wrId).toBe(1);
    expect(dst.buffer.subarray(GRH, GRH + 16).every((x) => x === 0xbb)).toBe(true);
  });

  it('refuses RDMA opcodes and a missing address handle on UD', async () => {
    p = await makePair(QpType.UD);
    const buf = region(p.pd, 64);
    expect(() => p!.a.postSend({ opcode: WrOpcode.RDMA_WRITE, remoteAddr: buf.addr, rkey: buf.rkey, sgList: [{ mr: buf }] })).toThrow(UnsupportedError);
    expect(() => p!.a.postSend({ remoteQpn: p!.b.qpn, sgList: [{ mr: buf }] })).toThrow(/AddressHandle/);
    await expect(p.a.connect(p.b.endpoint())).rejects.toThrow(InvalidArgumentError);
  });
});
