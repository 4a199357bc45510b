import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WcStatus, WrOpcode, type WorkCompletion } from '../../lib/index.js';
import { PeerWorker, terminateAll } from './harness.js';
import { ALL_ACCESS, openLocal, type Local, pairWithWorker } from './local.js';
import { awaitPoll } from './poll.js';

/** Several RNR waits (0.64 ms apart), so every request behind the waiting one has been sent again. */
const RETRANSMISSIONS_MS = 30;

describe('loop0 across threads: requests complete in order, once', () => {
  let local: Local;
  let w: PeerWorker;

  beforeEach(async () => {
    local = await openLocal();
    w = new PeerWorker();
    await w.call('open', {});
  });

  afterEach(async () => {
    local.ctx.close();
    await terminateAll();
  });

  it('a request whose region closes while an earlier one waits for a receive fails after it, with one completion', async () => {
    const a = await pairWithWorker(local, w);
    await w.call('mr', { name: 'dst', size: 64, shared: true, access: ALL_ACCESS });
    const { remote } = await w.call('mr', { name: 'target', size: 64, shared: true, access: ALL_ACCESS });
    const first = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    const second = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    // The worker has no receive yet: the SEND waits (RNR, for ever), the WRITE behind it is sent again with it.
    a.postSend([
      { wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr: first, length: 8 }] },
      { wrId: 2, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr: second, length: 8 }], remoteAddr: BigInt(remote.addr), rkey: remote.rkey },
    ]);
    second.close();
    await new Promise((r) => setTimeout(r, RETRANSMISSIONS_MS));
    expect(local.cq.poll(16)).toEqual([]);
    await w.call('recv', { qp: 'b', wrs: [{ wrId: 100, sges: [{ mr: 'dst' }] }] });
    const wcs = await awaitPoll(local.cq, 2, 5000);
    await new Promise((r) => setTimeout(r, RETRANSMISSIONS_MS));
    const all: WorkCompletion[] = [...wcs, ...local.cq.poll(16)];
    expect(all.map((c) => [c.wrId, c.status])).toEqual([[1, WcStatus.SUCCESS], [2, WcStatus.LOC_PROT_ERR]]);
    expect(a.stateName).toBe('ERR');
  });

  it('an RNR NAK is an answer: local ACK timeouts with RNR NAKs between them are not retransmissions in a row', async () => {
    // timeout 17 is 537 ms; each block of the worker outlasts one timeout but not two.
    const a = await pairWithWorker(local, w, { timeout: 17, retryCnt: 1 });
    await w.call('mr', { name: 'dst', size: 64, shared: true, access: ALL_ACCESS });
    const src = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    a.postSend({ wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr: src, length: 8 }] });
    await new Promise((r) => setTimeout(r, RETRANSMISSIONS_MS));
    await w.call('block', { ms: 700 });
    await new Promise((r) => setTimeout(r, RETRANSMISSIONS_MS));
    await w.call('block', { ms: 700 });
    await new Promise((r) => setTimeout(r, RETRANSMISSIONS_MS));
    expect(local.cq.poll(16)).toEqual([]);
    await w.call('recv', { qp: 'b', wrs: [{ wrId: 100, sges: [{ mr: 'dst' }] }] });
    const [wc] = await awaitPoll(local.cq, 1, 5000);
    expect([wc!.wrId, wc!.status]).toEqual([1, WcStatus.SUCCESS]);
  });
});
