import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { WcOpcode, WcStatus, WrOpcode } from '../../lib/index.js';
import { Scope, hubSocket, hubStats, requireBuild } from './helpers.js';
import { pair as makePair } from './pair.js';
import type { ChildWc } from './peer-child.js';

const SIZE = 1 << 20;
let scope: Scope;

beforeAll(() => requireBuild());
beforeEach(() => {
  scope = new Scope();
});
afterEach(async () => {
  await scope.dispose();
});
const pair = (): ReturnType<typeof makePair> => makePair(scope, SIZE);

describe('loopback hub: two processes', () => {
  it('get distinct LIDs and hub GIDs from a hub started on demand, in a 0700 directory', async () => {
    const { a, b, dir } = await pair();
    expect(a.lid).not.toBe(b.lid);
    expect(a.gid).toMatch(/^fe80::7672:646d:6100:[0-9a-f]+$/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(hubSocket(dir)).mode & 0o777).toBe(0o600);
    const stats = await hubStats(hubSocket(dir));
    expect(stats['nodes']).toBe(2);
    expect(stats['qps']).toBe(2);
  });

  it('SEND/RECV with immediate moves the bytes', async () => {
    const { a, b } = await pair();
    await b.child.call({ op: 'recv', count: 2, offset: 4096, len: 8192 });
    await a.child.call({ op: 'fill', offset: 0, len: 8192, seed: 7 });
    const sent = await a.child.call<ChildWc[]>({
      op: 'post', wait: true,
      wrs: [{ wrId: 1, opcode: WrOpcode.SEND, offset: 0, len: 5000 }, { wrId: 2, opcode: WrOpcode.SEND_WITH_IMM, offset: 0, len: 8192, imm: 0xdeadbeef }],
    });
    expect(sent.map((w) => [w.wrId, w.status])).toEqual([[1, WcStatus.SUCCESS], [2, WcStatus.SUCCESS]]);
    const got = await b.child.call<ChildWc[]>({ op: 'wait', count: 2, timeoutMs: 5000 });
    expect(got.map((w) => [w.wrId, w.status, w.opcode, w.byteLen])).toEqual([[1000, 0, WcOpcode.RECV, 5000], [1001, 0, WcOpcode.RECV, 8192]]);
    expect(got[1]!.imm >>> 0).toBe(0xdeadbeef);
    const want = await a.child.call<string>({ op: 'hash', offset: 0, len: 5000 });
    expect(await b.child.call<string>({ op: 'hash', offset: 4096, len: 5000 })).toBe(want);
    expect(await b.child.call<string>({ op: 'hash', offset: 4096 + 8192, len: 8192 })).toBe(await a.child.call<string>({ op: 'hash', offset: 0, len: 8192 }));
  });

  it('RDMA WRITE and RDMA READ, small and large', async () => {
    const { a, b } = await pair();
    await a.child.call({ op: 'fill', offset: 0, len: 300_000, seed: 3 });
    const w = await a.child.call<ChildWc[]>({
      op: 'post', wait: true,
      wrs: [{ wrId: 1, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 16, remoteOffset: 100 }, { wrId: 2, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 300_000, remoteOffset: 65536 }],
    });
    expect(w.map((x) => x.status)).toEqual([0, 0]);
    expect(await b.child.call({ op: 'bytes', offset: 100, len: 16 })).toBe(await a.child.call({ op: 'bytes', offset: 0, len: 16 }));
    expect(await b.child.call({ op: 'hash', offset: 65536, len: 300_000 })).toBe(await a.child.call({ op: 'hash', offset: 0, len: 300_000 }));

    await b.child.call({ op: 'fill', offset: 500_000, len: 200_000, seed: 99 });
    const r = await a.child.call<ChildWc[]>({
      op: 'post', wait: true,
      wrs: [{ wrId: 3, opcode: WrOpcode.RDMA_READ, offset: 700_000, len: 200_000, remoteOffset: 500_000 }, { wrId: 4, opcode: WrOpcode.RDMA_READ, offset: 950_000, len: 8, remoteOffset: 500_000 }],
    });
    expect(r.map((x) => [x.wrId, x.status, x.opcode])).toEqual([[3, 0, WcOpcode.RDMA_READ], [4, 0, WcOpcode.RDMA_READ]]);
    expect(await a.child.call({ op: 'hash', offset: 700_000, len: 200_000 })).toBe(await b.child.call({ op: 'hash', offset: 500_000, len: 200_000 }));
    expect(await a.child.call({ op: 'bytes', offset: 950_000, len: 8 })).toBe(await b.child.call({ op: 'bytes', offset: 500_000, len: 8 }));
  });

  it('atomics: fetch-and-add and compare-and-swap return the old value and change the remote word', async () => {
    const { a, b } = await pair();
    const wcs = await a.child.call<ChildWc[]>({
      op: 'post', wait: true,
      wrs: [
        { wrId: 1, opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, offset: 0, len: 8, remoteOffset: 64, compareAdd: '5' },
        { wrId: 2, opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, offset: 8, len: 8, remoteOffset: 64, compareAdd: '18446744073709551615' },
        { wrId: 3, opcode: WrOpcode.ATOMIC_CMP_AND_SWP, offset: 16, len: 8, remoteOffset: 64, compareAdd: '4', swap: '81985529216486895' },
        { wrId: 4, opcode: WrOpcode.ATOMIC_CMP_AND_SWP, offset: 24, len: 8, remoteOffset: 64, compareAdd: '4', swap: '1' },
      ],
    });
    expect(wcs.map((w) => [w.wrId, w.status])).toEqual([[1, 0], [2, 0], [3, 0], [4, 0]]);
    // originals, little-endian: 0, 5, 4, 0x0123456789abcdef
    expect(await a.child.call({ op: 'bytes', offset: 0, len: 32 })).toBe(
      '0000000000000000' + '0500000000000000' + '0400000000000000' + 'efcdab8967452301',
    );
    expect(await b.child.call({ op: 'bytes', offset: 64, len: 8 })).toBe('efcdab8967452301');
  });

  it('a bad rkey range fails with REM_ACCESS_ERR across processes', async () => {
    const { a } = await pair();
    const wcs = await a.child.call<ChildWc[]>({ op: 'post', wait: false, wrs: [{ wrId: 9, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 64, remoteOffset: SIZE }] })
      .then(() => a.child.call<ChildWc[]>({ op: 'wait', count: 1, timeoutMs: 5000 }));
    expect(wcs[0]!.status).toBe(WcStatus.REM_ACCESS_ERR);
  });

  it('1000 x 64 KiB writes do not pass through the hub: its frame count stays put', async () => {
    const { a, b, dir } = await pair();
    const before = await hubStats(hubSocket(dir));
    await a.child.call({ op: 'fill', offset: 0, len: 65536, seed: 11 });
    const r = await a.child.call<{ ms: number; failed: number }>({ op: 'stream', count: 1000, len: 65536, window: 64 }, 60_000);
    expect(r.failed).toBe(0);
    const after = await hubStats(hubSocket(dir));
    const total = (s: { frames: Record<string, number> }): number => Object.values(s.frames).reduce((x, y) => x + y, 0);
    // only the two probe connections themselves (hello + stats) were added
    expect(total(after) - total(before)).toBe(2);
    expect((after['bytesIn'] as number) - (before['bytesIn'] as number)).toBeLessThan(1024);
    expect(await b.child.call({ op: 'hash', offset: 0, len: 65536 })).toBe(await a.child.call({ op: 'hash', offset: 0, len: 65536 }));
  }, 90_000);
});
