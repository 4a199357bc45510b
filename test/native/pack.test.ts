// The packed work-request layout the addon reads (pure; runs everywhere).
// Offsets here are the ones native/wr_layout.h documents.
import { describe, expect, it } from 'vitest';
import { SendFlags, WrOpcode, InvalidArgumentError } from '../../lib/index.js';
import type { SendWrSpec, RecvWrSpec, MrBackend } from '../../lib/provider/spi.js';
import { NativeMr } from '../../lib/providers/native/mr.js';
import { NativeAh } from '../../lib/providers/native/ah.js';
import { WrPacker } from '../../lib/providers/native/pack.js';

function fakeMr(addr: bigint, lkey = 0x1234, length = 1 << 20): NativeMr {
  return new NativeMr({ lkey, rkey: lkey + 1, addr, length, close() {} }, new Uint8Array(8));
}

function send(over: Partial<SendWrSpec>): SendWrSpec {
  return {
    wrId: 0, opcode: WrOpcode.SEND, sgList: [], length: 0, imm: 0, remoteAddr: 0n, rkey: 0, compareAdd: 0n, swap: 0n,
    flags: SendFlags.SIGNALED, ah: null, remoteQpn: 0, remoteQkey: 0, ...over,
  };
}

describe('WrPacker', () => {
  it('packs a send header and its SGEs, carrying the address into the high word', () => {
    const mr = fakeMr(0x1_ffff_fff0n);
    const p = new WrPacker(16);
    const n = p.packSend([send({
      wrId: 2 ** 53 - 1, opcode: WrOpcode.RDMA_WRITE_WITH_IMM, imm: 0xdeadbeef, rkey: 0xabcd, remoteAddr: 0x1234_5678_9abc_def0n,
      sgList: [{ mr, offset: 0x20, length: 100 }, { mr, offset: 0, length: 7 }], length: 107, flags: SendFlags.SIGNALED | SendFlags.INLINE,
    })]);
    expect(n).toBe(1);
    const dv = new DataView(p.buffer);
    expect(dv.getFloat64(0, true)).toBe(2 ** 53 - 1);
    expect(dv.getUint32(8, true)).toBe(WrOpcode.RDMA_WRITE_WITH_IMM);
    expect(dv.getUint32(12, true)).toBe(SendFlags.SIGNALED | SendFlags.INLINE);
    expect(dv.getUint32(16, true)).toBe(0xdeadbeef);
    expect(dv.getUint32(20, true)).toBe(0xabcd);
    expect(dv.getBigUint64(24, true)).toBe(0x1234_5678_9abc_def0n);
    expect(dv.getBigUint64(32, true)).toBe(0n);
    expect(dv.getUint32(48, true)).toBe(2);
    // SGE 0: 0x1_ffff_fff0 + 0x20 = 0x2_0000_0010
    expect(dv.getUint32(64, true)).toBe(0x10);
    expect(dv.getUint32(68, true)).toBe(2);
    expect(dv.getUint32(72, true)).toBe(100);
    expect(dv.getUint32(76, true)).toBe(0x1234);
    expect(dv.getUint32(80, true)).toBe(0xffff_fff0);
    expect(dv.getUint32(84, true)).toBe(1);
  });

  it('packs atomics, UD fields and consecutive records', () => {
    const mr = fakeMr(0x7f00_0000_1000n, 77);
    const ah = new NativeAh({ id: 42, close() {} });
    const p = new WrPacker();
    p.packSend([
      send({ wrId: 1, opcode: WrOpcode.ATOMIC_CMP_AND_SWP, remoteAddr: 0x10n, rkey: 9, compareAdd: 0xffff_ffff_ffff_ffffn, swap: 5n, sgList: [{ mr, offset: 8, length: 8 }], length: 8 }),
      send({ wrId: 2, ah, remoteQpn: 0x123456, remoteQkey: 0x11111111, sgList: [{ mr, offset: 0, length: 4 }], length: 4 }),
    ]);
    const dv = new DataView(p.buffer);
    expect(dv.getBigUint64(32, true)).toBe(0xffff_ffff_ffff_ffffn);
    expect(dv.getBigUint64(40, true)).toBe(5n);
    const second = 64 + 16;
    expect(dv.getFloat64(second, true)).toBe(2);
    expect(dv.getUint32(second + 8, true)).toBe(WrOpcode.SEND);
    expect(dv.getBigUint64(second + 24, true)).toBe(0n);
    expect(dv.getUint32(second + 52, true)).toBe(0x123456);
    expect(dv.getUint32(second + 56, true)).toBe(0x11111111);
    expect(dv.getUint32(second + 60, true)).toBe(42);
    expect(dv.getUint32(second + 64, true)).toBe(0x1000);
    expect(dv.getUint32(second + 68, true)).toBe(0x7f00);
  });

  it('grows the buffer for long chains and packs receives', () => {
    const mr = fakeMr(0x1000n);
    const p = new WrPacker(16);
    const wrs: RecvWrSpec[] = [];
    for (let i = 0; i < 300; i++) wrs.push({ wrId: i, sgList: [{ mr, offset: i * 16, length: 16 }], length: 16 });
    expect(p.packRecv(wrs)).toBe(300);
    expect(p.buffer.byteLength).toBeGreaterThanOrEqual(300 * 32);
    const dv = new DataView(p.buffer);
    expect(dv.getFloat64(299 * 32, true)).toBe(299);
    expect(dv.getUint32(299 * 32 + 8, true)).toBe(1);
    expect(dv.getUint32(299 * 32 + 16, true)).toBe(0x1000 + 299 * 16);
  });

  it('refuses regions and address handles of another provider', () => {
    const foreign: MrBackend = { lkey: 1, rkey: 1, addr: 0n, length: 8, bytes: new Uint8Array(8), close() {} };
    const p = new WrPacker();
    expect(() => p.packSend([send({ sgList: [{ mr: foreign, offset: 0, length: 8 }], length: 8 })])).toThrow(InvalidArgumentError);
    expect(() => p.packSend([send({ ah: { close() {} } })])).toThrow(/not an address handle of a native device/);
  });
});
