import { describe, it, expect, afterEach } from 'vitest';
import {
  ClosedError, InvalidArgumentError, QpType, WcStatus, WcOpcode, WrOpcode, PreparedSend,
} from '../../lib/index.js';
import { makePair, region, pattern, collect, testDeviceName, skipReason, type Pair } from './harness.js';

describe(`prepared work requests on ${testDeviceName()}`, () => {
  let p: Pair | undefined;
  afterEach(() => p?.close());

  it('posts prepared RDMA writes again and again, each post with the offsets, addresses and ids its setters left', async () => {
    p = await makePair(QpType.RC);
    const src = region(p.pd, 8192);
    const dst = region(p.pd, 8192, 0xee);
    src.buffer.set(pattern(8192, 11));
    const n = 16;
    const writes = Array.from({ length: n }, (_, i) => ({
      wrId: i, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr: src, offset: 0, length: 16 }], remoteAddr: dst.addr, rkey: dst.rkey, signaled: i === n - 1,
    }));
    const prepared = p.a.prepareSend(writes);
    expect(prepared).toBeInstanceOf(PreparedSend);
    expect(prepared.count).toBe(n);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < n; i++) {
        const at = round * 2048 + i * 64;
        prepared.setWrId(i, 1000 * round + i);
        prepared.setSge(i, 0, at, 32 + i);
        prepared.setRemoteAddr(i, dst.addr + BigInt(at));
      }
      prepared.post();
      const [wc] = await collect(p.cqA, 1);
      expect(wc).toMatchObject({ wrId: 1000 * round + n - 1, status: WcStatus.SUCCESS, opcode: WcOpcode.RDMA_WRITE });
    }
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < n; i++) {
        const at = round * 2048 + i * 64;
        expect(Buffer.from(dst.buffer.subarray(at, at + 32 + i)).equals(Buffer.from(src.buffer.subarray(at, at + 32 + i)))).toBe(true);
        expect(dst.buffer[at + 32 + i]).toBe(0xee);
      }
    }
    // The user's objects were read once: changing them later changes nothing.
    writes[0]!.sgList[0]!.length = 4096;
    prepared.post();
    const [last] = await collect(p.cqA, 1);
    expect(last!.status).toBe(WcStatus.SUCCESS);
    expect(dst.buffer[2 * 2048 + 32]).toBe(0xee);
  });

  it('prepared receives and prepared sends carry messages with the lengths and ids set before each post', async () => {
    p = await makePair(QpType.RC);
    const src = region(p.pd, 4096);
    const dst = region(p.pd, 4096, 0xee);
    src.buffer.set(pattern(4096, 3));
    const recv = p.b.prepareRecv({ wrId: 0, sgList: [{ mr: dst, offset: 0, length: 1024 }] });
    const send = p.a.prepareSend({ wrId: 0, opcode: WrOpcode.SEND_WITH_IMM, imm: 0, sgList: [{ mr: src, offset: 0, length: 1 }] });
    for (let k = 1; k <= 3; k++) {
      recv.setWrId(0, 100 + k);
      recv.setSge(0, 0, 1024 * k);
      recv.post();
      send.setWrId(0, 200 + k);
      send.setSge(0, 0, 100 * k, 10 * k);
      send.setImm(0, 0xabc000 + k);
      send.post();
      const [s] = await collect(p.cqA, 1);
      const [r] = await collect(p.cqB, 1);
      expect(s).toMatchObject({ wrId: 200 + k, status: WcStatus.SUCCESS });
      expect(r).toMatchObject({ wrId: 100 + k, status: WcStatus.SUCCESS, byteLen: 10 * k, imm: 0xabc000 + k });
      expect(Buffer.from(dst.buffer.subarray(1024 * k, 1024 * k + 10 * k)).equals(Buffer.from(src.buffer.subarray(100 * k, 110 * k)))).toBe(true);
    }
  });

  it('validates at prepare time as postSend does, and setters check what they change', async () => {
    p = await makePair(QpType.RC);
    const mr = region(p.pd, 256);
    expect(() => p!.a.prepareSend([{ wrId: 1 }, { wrId: 2, sgList: [{ mr, offset: 250, length: 8 }] }])).toThrow(/wr\[1\]\.sgList\[0\]\.length/);
    expect(() => p!.a.prepareSend([])).toThrow(InvalidArgumentError);
    const prepared = p.a.prepareSend({ wrId: 1, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr, length: 8 }], remoteAddr: mr.addr, rkey: mr.rkey });
    expect(() => prepared.setSge(0, 0, 200, 100)).toThrow(/wr\[0\]\.sgList\[0\]\.length/);
    expect(() => prepared.setSge(0, 1, 0, 8)).toThrow(InvalidArgumentError);
    expect(() => prepared.setSge(1, 0, 0, 8)).toThrow(InvalidArgumentError);
    expect(() => prepared.setWrId(0, -1)).toThrow(InvalidArgumentError);
    expect(() => prepared.setImm(0, 5)).toThrow(/RDMA_WRITE, which has no imm/);
    expect(() => prepared.setCompareAdd(0, 5n)).toThrow(InvalidArgumentError);
    expect(() => prepared.setRemoteAddr(0, -1n)).toThrow(InvalidArgumentError);
    // A refused setter changed nothing: the request still posts as it was.
    prepared.post();
    const [wc] = await collect(p.cqA, 1);
    expect(wc).toMatchObject({ wrId: 1, status: WcStatus.SUCCESS });
  });

  it('closing the queue pair or a region the requests use makes post() throw ClosedError', async () => {
    p = await makePair(QpType.RC);
    const a = region(p.pd, 64);
    const b = region(p.pd, 64);
    const viaA = p.a.prepareSend({ wrId: 1, sgList: [{ mr: a, length: 8 }] });
    const recv = p.b.prepareRecv({ wrId: 2, sgList: [{ mr: b }] });
    b.close();
    expect(() => recv.post()).toThrow(ClosedError);
    p.a.close();
    expect(() => viaA.post()).toThrow(ClosedError);
    expect(() => p!.a.prepareSend({ wrId: 1 })).toThrow(ClosedError);
  });

  it('a prepared send before connect() throws ERR_BAD_STATE at post, like postSend', async () => {
    p = await makePair(QpType.RC);
    const mr = region(p.pd, 64);
    const qp = p.pd.createQp({ type: QpType.RC, sendCq: p.cqA });
    const prepared = qp.prepareSend({ wrId: 1, sgList: [{ mr, length: 8 }] });
    expect(() => prepared.post()).toThrow(expect.objectContaining({ code: 'ERR_BAD_STATE' }));
  });

  const atomics = skipReason('atomics');
  it.skipIf(atomics !== null)('a prepared FETCH_AND_ADD adds the operand set before each post', async () => {
    p = await makePair(QpType.RC);
    const target = region(p.pd, 64);
    const result = region(p.pd, 64);
    const view = new DataView(target.buffer.buffer, target.buffer.byteOffset, 64);
    view.setBigUint64(8, 100n, true);
    const add = p.a.prepareSend({ wrId: 1, opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, remoteAddr: target.addr + 8n, rkey: target.rkey, compareAdd: 1n, sgList: [{ mr: result, offset: 0, length: 8 }] });
    expect(() => add.setSge(0, 0, 0, 4)).toThrow(/exactly 8 bytes/);
    expect(() => add.setRemoteAddr(0, target.addr + 4n)).toThrow(/aligned/);
    for (const v of [1n, 10n, 100n]) {
      add.setCompareAdd(0, v);
      add.post();
      await collect(p.cqA, 1);
    }
    expect(view.getBigUint64(8, true)).toBe(211n);
  });
});
