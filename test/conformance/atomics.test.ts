import { describe, it, expect, afterEach } from 'vitest';
import { QpType, WcStatus, WcOpcode, WrOpcode, InvalidArgumentError } from '../../lib/index.js';
import { makePair, region, collect, testDeviceName, skipReason, type Pair } from './harness.js';

const skip = skipReason('atomics');

describe.skipIf(skip !== null)(`atomics on ${testDeviceName()}${skip ? ` (${skip})` : ''}`, () => {
  let p: Pair | undefined;
  afterEach(() => p?.close());

  function u64(bytes: Uint8Array, offset = 0): bigint {
    return new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getBigUint64(0, true);
  }
  function setU64(bytes: Uint8Array, offset: number, v: bigint): void {
    new DataView(bytes.buffer, bytes.byteOffset + offset, 8).setBigUint64(0, v, true);
  }

  it('FETCH_AND_ADD returns the old value and adds, wrapping at 2^64', async () => {
    p = await makePair(QpType.RC);
    const target = region(p.pd, 64);
    const result = region(p.pd, 64);
    setU64(target.buffer, 8, 40n);
    p.a.postSend({ wrId: 1, opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, remoteAddr: target.addr + 8n, rkey: target.rkey, compareAdd: 2n, sgList: [{ mr: result, offset: 0, length: 8 }] });
    const [s] = await collect(p.cqA, 1);
    expect(s).toMatchObject({ status: WcStatus.SUCCESS, opcode: WcOpcode.FETCH_ADD });
    expect(u64(result.buffer)).toBe(40n);
    expect(u64(target.buffer, 8)).toBe(42n);
    setU64(target.buffer, 16, 0xffff_ffff_ffff_ffffn);
    p.a.postSend({ wrId: 2, opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, remoteAddr: target.addr + 16n, rkey: target.rkey, compareAdd: 3n, sgList: [{ mr: result, offset: 8, length: 8 }] });
    await collect(p.cqA, 1);
    expect(u64(result.buffer, 8)).toBe(0xffff_ffff_ffff_ffffn);
    expect(u64(target.buffer, 16)).toBe(2n);
  });

  it('CMP_AND_SWP swaps only when the compare matches', async () => {
    p = await makePair(QpType.RC);
    const target = region(p.pd, 64);
    const result = region(p.pd, 64);
    setU64(target.buffer, 0, 7n);
    p.a.postSend([
      { wrId: 1, opcode: WrOpcode.ATOMIC_CMP_AND_SWP, remoteAddr: target.addr, rkey: target.rkey, compareAdd: 5n, swap: 100n, sgList: [{ mr: result, offset: 0, length: 8 }] },
      { wrId: 2, opcode: WrOpcode.ATOMIC_CMP_AND_SWP, remoteAddr: target.addr, rkey: target.rkey, compareAdd: 7n, swap: 0x1122334455667788n, sgList: [{ mr: result, offset: 8, length: 8 }] },
    ]);
    const wcs = await collect(p.cqA, 2);
    expect(wcs.map((w) => [w.wrId, w.status, w.opcode])).toEqual([[1, 0, WcOpcode.COMP_SWAP], [2, 0, WcOpcode.COMP_SWAP]]);
    expect(u64(result.buffer, 0)).toBe(7n);
    expect(u64(result.buffer, 8)).toBe(7n);
    expect(u64(target.buffer, 0)).toBe(0x1122334455667788n);
  });

  it('applies 200 concurrent increments exactly once each', async () => {
    p = await makePair(QpType.RC, { maxSendWr: 256 });
    const target = region(p.pd, 8);
    const results = region(p.pd, 8 * 200);
    p.a.postSend(Array.from({ length: 100 }, (_, i) => ({ wrId: i, opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, remoteAddr: target.addr, rkey: target.rkey, compareAdd: 1n, sgList: [{ mr: results, offset: i * 8, length: 8 }] })));
    p.b.postSend(Array.from({ length: 100 }, (_, i) => ({ wrId: i, opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, remoteAddr: target.addr, rkey: target.rkey, compareAdd: 1n, sgList: [{ mr: results, offset: (100 + i) * 8, length: 8 }] })));
    await collect(p.cqA, 100);
    await collect(p.cqB, 100);
    expect(u64(target.buffer)).toBe(200n);
    const olds = Array.from({ length: 200 }, (_, i) => Number(u64(results.buffer, i * 8))).sort((x, y) => x - y);
    expect(olds).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('refuses a misaligned address or a wrong-size SGE before posting', async () => {
    p = await makePair(QpType.RC);
    const target = region(p.pd, 64);
    const result = region(p.pd, 64);
    expect(() => p!.a.postSend({ opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, remoteAddr: target.addr + 4n, rkey: target.rkey, compareAdd: 1n, sgList: [{ mr: result, length: 8 }] })).toThrow(/aligned/);
    expect(() => p!.a.postSend({ opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, remoteAddr: target.addr, rkey: target.rkey, compareAdd: 1n, sgList: [{ mr: result, length: 4 }] })).toThrow(InvalidArgumentError);
    expect(() => p!.a.postSend({ opcode: WrOpcode.ATOMIC_CMP_AND_SWP, remoteAddr: target.addr, rkey: target.rkey, compareAdd: -1n, sgList: [{ mr: result, length: 8 }] })).toThrow(/compareAdd/);
  });
});
