// Prepared requests on the native provider: packed once, repacked per change (pure; runs everywhere).
import { describe, expect, it } from 'vitest';
import { SendFlags, WrOpcode } from '../../lib/index.js';
import type { RecvWrSpec, SendWrSpec } from '../../lib/provider/spi.js';
import { NativeMr } from '../../lib/providers/native/mr.js';
import { NativePrepared } from '../../lib/providers/native/prepared.js';

function fakeMr(addr: bigint): NativeMr {
  return new NativeMr({ lkey: 0x55, rkey: 0x56, addr, length: 4096, close() {} }, new Uint8Array(4096));
}

describe('NativePrepared', () => {
  it('packs every request once and a change rewrites only that request, posting the same buffer each time', () => {
    const mr = fakeMr(0x1000n);
    const specs: SendWrSpec[] = [0, 1].map((i) => ({
      wrId: i, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr, offset: 0, length: 8 }, { mr, offset: 64, length: 8 }], length: 16, imm: 0,
      remoteAddr: 0x9000n, rkey: 7, compareAdd: 0n, swap: 0n, flags: SendFlags.SIGNALED, ah: null, remoteQpn: 0, remoteQkey: 0,
    }));
    const posts: Array<[ArrayBuffer, number]> = [];
    const prepared = new NativePrepared(specs, 'send', (buffer, count) => posts.push([buffer, count]));
    prepared.post();
    const [buffer, count] = posts[0]!;
    expect(count).toBe(2);
    const dv = new DataView(buffer);
    const second = 64 + 2 * 16;
    expect(dv.getFloat64(second, true)).toBe(1);
    const s1 = specs[1] as { wrId: number; remoteAddr: bigint };
    s1.wrId = 42;
    s1.remoteAddr = 0xa000n;
    prepared.post();
    expect(posts[1]![0]).toBe(buffer);
    expect(dv.getFloat64(second, true)).toBe(1);
    prepared.changed(1);
    prepared.post();
    expect(posts[2]![0]).toBe(buffer);
    expect(dv.getFloat64(second, true)).toBe(42);
    expect(dv.getBigUint64(second + 24, true)).toBe(0xa000n);
    expect(dv.getFloat64(0, true)).toBe(0);
    expect(dv.getBigUint64(24, true)).toBe(0x9000n);
  });

  it('repacks a receive request after its SGE changed', () => {
    const mr = fakeMr(0x2000n);
    const spec = { wrId: 3, sgList: [{ mr, offset: 0, length: 100 }], length: 100 };
    const posts: ArrayBuffer[] = [];
    const prepared = new NativePrepared<RecvWrSpec>([spec], 'recv', (buffer) => posts.push(buffer));
    spec.wrId = 9;
    spec.sgList[0]!.offset = 16;
    spec.sgList[0]!.length = 50;
    prepared.changed(0);
    prepared.post();
    const dv = new DataView(posts[0]!);
    expect(dv.getFloat64(0, true)).toBe(9);
    expect(dv.getUint32(16, true)).toBe(0x2010);
    expect(dv.getUint32(24, true)).toBe(50);
    expect(dv.getUint32(28, true)).toBe(0x55);
  });
});
