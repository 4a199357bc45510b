import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Access, openDevice, QpType, WcStatus, WrOpcode, type Context, type MemoryRegion } from '../../lib/index.js';
import { readMappingStats } from '../../lib/providers/loopback/mapping/stats.js';
import { sharedMemory } from '../../lib/providers/loopback/mapping/shared-memory.js';
import { peerTransport } from '../../lib/providers/loopback/hub/hub-runtime.js';
import { collect, pairOn, pattern } from '../conformance/harness.js';
import { useScope } from './helpers.js';

const ALL = Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ | Access.REMOTE_ATOMIC;
const SIZE = 256 * 1024;
const scopeNow = useScope();

/** Two connected RC QPs on one hub context, with a shared-memory region each. */
async function rcPair(ctx: Context) {
  const pair = await pairOn(ctx, QpType.RC, {}, { timeout: 20 });
  const mrA = pair.pd.registerMemory(ctx.allocBuffer(SIZE), ALL);
  const mrB = pair.pd.registerMemory(ctx.allocBuffer(SIZE), ALL);
  return { ...pair, mrA, mrB };
}

function fill(mr: MemoryRegion, seed: number): Uint8Array {
  const bytes = pattern(mr.buffer.length, seed);
  mr.buffer.set(bytes);
  return bytes;
}

function view(mr: MemoryRegion): Uint8Array {
  return mr.buffer;
}

describe.skipIf(sharedMemory() === null)('VRDMA_LOOPBACK_SELF_ROUTE=peers: QPs of one process reach each other as two processes would', () => {
  let saved: Record<string, string | undefined>;
  beforeEach(() => {
    saved = { dir: process.env['VRDMA_RUNTIME_DIR'], route: process.env['VRDMA_LOOPBACK_SELF_ROUTE'], hub: process.env['VRDMA_HUB'] };
    process.env['VRDMA_RUNTIME_DIR'] = scopeNow().runtimeDir();
    delete process.env['VRDMA_HUB'];
  });
  afterEach(() => {
    for (const [k, v] of [['VRDMA_RUNTIME_DIR', saved['dir']], ['VRDMA_LOOPBACK_SELF_ROUTE', saved['route']], ['VRDMA_HUB', saved['hub']]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  async function traffic(): Promise<{ requestsIn: number; connections: number }> {
    const ctx = await openDevice('loop0', { hub: true });
    try {
      const { cqA, cqB, a, b, mrA, mrB } = await rcPair(ctx);
      const before = readMappingStats().requestsIn;
      const sent = fill(mrA, 3);
      const back = fill(mrB, 4).slice(SIZE / 2);
      b.postRecv({ wrId: 9, sgList: [{ mr: mrB, offset: 0, length: 4096 }] });
      a.postSend([
        { wrId: 1, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr: mrA, offset: 0, length: SIZE / 2 }], remoteAddr: mrB.addr, rkey: mrB.rkey },
        { wrId: 2, opcode: WrOpcode.RDMA_READ, sgList: [{ mr: mrA, offset: SIZE / 2, length: SIZE / 2 }], remoteAddr: mrB.addr + BigInt(SIZE / 2), rkey: mrB.rkey },
      ]);
      const wcs = await collect(cqA, 2);
      expect(wcs.map((w) => [w.wrId, w.status])).toEqual([[1, WcStatus.SUCCESS], [2, WcStatus.SUCCESS]]);
      expect(Buffer.compare(view(mrB).subarray(0, SIZE / 2), sent.subarray(0, SIZE / 2))).toBe(0);
      expect(Buffer.compare(view(mrA).subarray(SIZE / 2), back)).toBe(0);
      a.postSend({ wrId: 3, opcode: WrOpcode.SEND, sgList: [{ mr: mrA, offset: 100, length: 4096 }] });
      expect((await collect(cqA, 1))[0]!.status).toBe(WcStatus.SUCCESS);
      const recv = (await collect(cqB, 1))[0]!;
      expect([recv.wrId, recv.status, recv.byteLen]).toEqual([9, WcStatus.SUCCESS, 4096]);
      expect(Buffer.compare(view(mrB).subarray(0, 4096), view(mrA).subarray(100, 4196))).toBe(0);
      return { requestsIn: readMappingStats().requestsIn - before, connections: peerTransport.connectionCount };
    } finally {
      ctx.close();
    }
  }

  it('WRITE, READ and SEND between two QPs of one context cross the peer connection and move their bytes through shared memory', async () => {
    process.env['VRDMA_LOOPBACK_SELF_ROUTE'] = 'peers';
    const seen = await traffic();
    expect(seen.requestsIn).toBe(3);
    // the process's connection to itself: the end it dialed and the end it accepted
    expect(seen.connections).toBe(2);
  });

  it('without it, the same traffic stays inside the process: no request through shared memory, no peer connection', async () => {
    delete process.env['VRDMA_LOOPBACK_SELF_ROUTE'];
    const seen = await traffic();
    expect(seen.requestsIn).toBe(0);
    expect(seen.connections).toBe(0);
  });

  it('a UD datagram to a QP of the same context travels over the connection (by value: only RC requests are mapped), the first one included', async () => {
    process.env['VRDMA_LOOPBACK_SELF_ROUTE'] = 'peers';
    const ctx = await openDevice('loop0', { hub: true });
    try {
      const pd = ctx.allocPd();
      const cq = ctx.createCq({ depth: 16 });
      const a = pd.createQp({ type: QpType.UD, sendCq: cq, recvCq: cq, qkey: 0x1234 });
      const b = pd.createQp({ type: QpType.UD, sendCq: cq, recvCq: cq, qkey: 0x1234 });
      await a.connect();
      await b.connect();
      const mr = pd.registerMemory(ctx.allocBuffer(8192), ALL);
      const payload = fill(mr, 7).subarray(0, 512);
      b.postRecv({ wrId: 5, sgList: [{ mr, offset: 4096, length: 40 + 512 }] });
      const ah = pd.createAddressHandle(b.endpoint());
      a.postSend({ wrId: 6, opcode: WrOpcode.SEND, sgList: [{ mr, offset: 0, length: 512 }], ah, remoteQpn: b.qpn, remoteQkey: 0x1234 });
      // Direct delivery would have completed the receive inside postSend; through the socket it comes on the event loop.
      const early = cq.poll(4);
      expect(early.filter((w) => w.wrId === 5)).toEqual([]);
      expect(peerTransport.connectionCount).toBe(2);
      const wcs = [...early, ...await collect(cq, 2 - early.length)];
      expect(wcs.map((w) => [w.wrId, w.status]).sort()).toEqual([[5, WcStatus.SUCCESS], [6, WcStatus.SUCCESS]]);
      expect(Buffer.compare(view(mr).subarray(4096 + 40, 4096 + 40 + 512), payload)).toBe(0);
    } finally {
      ctx.close();
    }
  });
});
