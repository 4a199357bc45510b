import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { WcOpcode, WcStatus, WrOpcode } from '../../lib/index.js';
import type { MappingStats } from '../../lib/providers/loopback/mapping/stats.js';
import { sharedMemory } from '../../lib/providers/loopback/mapping/shared-memory.js';
import { useScope } from './helpers.js';
import { pair as makePair, type Side } from './pair.js';
import type { ChildWc } from './peer-child.js';

const SIZE = 1 << 20;
const scopeNow = useScope();

/**
 * A local ACK timeout of about 4.3 s (code 20) instead of the default 67 ms:
 * on a loaded host a peer process may not run for longer than the default,
 * and the requester's retransmission would add to the request counts these
 * tests check. The test of a requester giving up keeps the default.
 */
const PATIENT = { timeout: 20 } as const;
const makeSteadyPair = (env: Record<string, string> = {}): ReturnType<typeof makePair> => makePair(scopeNow(), SIZE, env, PATIENT);

/** This user's shared memory objects created by process `pid`. */
function objectsOf(pid: number): string[] {
  const uid = process.getuid?.() ?? 0;
  return readdirSync('/dev/shm').filter((n) => n.startsWith(`vrdma-${uid}-${pid}-`));
}

async function mapping(side: Side): Promise<MappingStats> {
  return (await side.child.call<{ mapping: MappingStats }>({ op: 'info' })).mapping;
}

async function post(side: Side, wrs: ReadonlyArray<{ wrId: number; opcode: number; offset: number; len: number; remoteOffset?: number }>): Promise<ChildWc[]> {
  await side.child.call({ op: 'post', wait: false, wrs });
  return side.child.call<ChildWc[]>({ op: 'wait', count: wrs.length, timeoutMs: 5000 });
}

async function until(what: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe.skipIf(sharedMemory() === null)('loop0 between processes through shared memory', () => {
  it('RDMA WRITE, RDMA READ and SEND move their bytes through shared memory, intact both ways', async () => {
    const { a, b } = await makeSteadyPair();
    expect(objectsOf(a.child.pid)).toHaveLength(1);
    await a.child.call({ op: 'fill', offset: 0, len: 300_000, seed: 5 });
    await b.child.call({ op: 'fill', offset: 500_000, len: 200_000, seed: 6 });
    const wcs = await post(a, [
      { wrId: 1, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 300_000, remoteOffset: 4096 },
      { wrId: 2, opcode: WrOpcode.RDMA_READ, offset: 600_000, len: 200_000, remoteOffset: 500_000 },
    ]);
    expect(wcs.map((w) => [w.wrId, w.status, w.opcode])).toEqual([[1, WcStatus.SUCCESS, WcOpcode.RDMA_WRITE], [2, WcStatus.SUCCESS, WcOpcode.RDMA_READ]]);
    expect(await b.child.call({ op: 'hash', offset: 4096, len: 300_000 })).toBe(await a.child.call({ op: 'hash', offset: 0, len: 300_000 }));
    expect(await a.child.call({ op: 'hash', offset: 600_000, len: 200_000 })).toBe(await b.child.call({ op: 'hash', offset: 500_000, len: 200_000 }));

    await b.child.call({ op: 'recv', count: 1, offset: 0, len: 65_536 });
    expect((await post(a, [{ wrId: 3, opcode: WrOpcode.SEND, offset: 0, len: 65_536 }]))[0]!.status).toBe(WcStatus.SUCCESS);
    expect((await b.child.call<ChildWc[]>({ op: 'wait', count: 1, timeoutMs: 5000 }))[0]).toMatchObject({ status: WcStatus.SUCCESS, byteLen: 65_536 });
    expect(await b.child.call({ op: 'hash', offset: 0, len: 65_536 })).toBe(await a.child.call({ op: 'hash', offset: 0, len: 65_536 }));

    expect(await mapping(a)).toEqual({ requestsOut: 3, bytesOut: 565_536, requestsIn: 0, bytesIn: 0 });
    expect(await mapping(b)).toEqual({ requestsOut: 0, bytesOut: 0, requestsIn: 3, bytesIn: 565_536 });
  });

  it('local memory takes the results of an atomic and a READ after it in order: the READ, placed directly, is not overwritten', async () => {
    const { a, b } = await makeSteadyPair();
    await b.child.call({ op: 'fill', offset: 0, len: 4096, seed: 12 });
    const wcs = await post(a, [
      { wrId: 1, opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, offset: 0, len: 8, remoteOffset: 64 },
      { wrId: 2, opcode: WrOpcode.RDMA_READ, offset: 0, len: 16, remoteOffset: 1024 },
      { wrId: 3, opcode: WrOpcode.RDMA_READ, offset: 8, len: 16, remoteOffset: 2048 },
    ]);
    expect(wcs.map((w) => w.status)).toEqual([WcStatus.SUCCESS, WcStatus.SUCCESS, WcStatus.SUCCESS]);
    const want = String(await b.child.call({ op: 'bytes', offset: 1024, len: 8 })) + String(await b.child.call({ op: 'bytes', offset: 2048, len: 16 }));
    expect(await a.child.call({ op: 'bytes', offset: 0, len: 24 })).toBe(want);
  });

  it('a WRITE its requester gave up on (peer stopped, retries exhausted) is dropped when the peer resumes: memory reused since is not read', async () => {
    const { a, b } = await makePair(scopeNow(), SIZE);
    await a.child.call({ op: 'fill', offset: 0, len: 65_536, seed: 21 });
    b.child.proc.kill('SIGSTOP');
    try {
      // default attributes: about 0.55 s before RETRY_EXC_ERR
      const wcs = await post(a, [{ wrId: 1, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 65_536, remoteOffset: 0 }]);
      expect(wcs[0]!.status).toBe(WcStatus.RETRY_EXC_ERR);
      await a.child.call({ op: 'fill', offset: 0, len: 65_536, seed: 22 });
    } finally {
      b.child.proc.kill('SIGCONT');
    }
    // The resumed peer has read every retransmission by the time it answers this.
    expect(await b.child.call({ op: 'hash', offset: 0, len: 65_536 }, 10_000)).toBe(await b.child.call({ op: 'hash', offset: 65_536, len: 65_536 }));
    expect((await mapping(b)).requestsIn).toBeGreaterThan(0);
  });

  it('range errors are the same: REM_ACCESS_ERR for a WRITE and a READ past the region', async () => {
    const { a } = await makeSteadyPair();
    expect((await post(a, [{ wrId: 1, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 65_536, remoteOffset: SIZE - 1000 }]))[0]!.status).toBe(WcStatus.REM_ACCESS_ERR);
    const { a: c } = await makeSteadyPair();
    expect((await post(c, [{ wrId: 2, opcode: WrOpcode.RDMA_READ, offset: 0, len: 65_536, remoteOffset: SIZE - 1000 }]))[0]!.status).toBe(WcStatus.REM_ACCESS_ERR);
    expect((await mapping(c)).requestsOut).toBe(1);
  });

  it('a region closed while the peer still has its memory mapped refuses the next WRITE with REM_ACCESS_ERR', async () => {
    const { a, b } = await makeSteadyPair();
    expect((await post(a, [{ wrId: 1, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 65_536, remoteOffset: 0 }]))[0]!.status).toBe(WcStatus.SUCCESS);
    await b.child.call({ op: 'dereg' });
    expect((await post(a, [{ wrId: 2, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 65_536, remoteOffset: 0 }]))[0]!.status).toBe(WcStatus.REM_ACCESS_ERR);
    expect((await mapping(b)).requestsIn).toBe(2);
  });

  it('a peer killed with SIGKILL leaves nothing in /dev/shm: its survivor removes its objects', async () => {
    const { a, b } = await makeSteadyPair();
    expect((await post(a, [{ wrId: 1, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 65_536, remoteOffset: 0 }]))[0]!.status).toBe(WcStatus.SUCCESS);
    const pid = a.child.pid;
    expect(objectsOf(pid).length).toBeGreaterThan(0);
    a.child.proc.kill('SIGKILL');
    await a.child.exited;
    expect(await until(() => objectsOf(pid).length === 0, 5000)).toBe(true);
    expect(objectsOf(b.child.pid).length).toBeGreaterThan(0);
  });

  it('VRDMA_LOOPBACK_SHM=0: the bytes travel over the socket, and nothing is created in /dev/shm', async () => {
    const { a, b } = await makeSteadyPair({ VRDMA_LOOPBACK_SHM: '0' });
    await a.child.call({ op: 'fill', offset: 0, len: 300_000, seed: 8 });
    expect((await post(a, [{ wrId: 1, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 300_000, remoteOffset: 0 }]))[0]!.status).toBe(WcStatus.SUCCESS);
    expect(await b.child.call({ op: 'hash', offset: 0, len: 300_000 })).toBe(await a.child.call({ op: 'hash', offset: 0, len: 300_000 }));
    expect((await mapping(a)).requestsOut).toBe(0);
    expect(objectsOf(a.child.pid)).toEqual([]);
    expect(objectsOf(b.child.pid)).toEqual([]);
  });
});
