import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AsyncEventType, WcStatus, WrOpcode, type AsyncEvent } from '../../lib/index.js';
import { PeerWorker, terminateAll } from './harness.js';
import { ALL_ACCESS, openLocal, type Local, pairWithWorker } from './local.js';
import { awaitPoll, spinPoll } from './poll.js';

/** The default heartbeat timeout (`VRDMA_SHM_PEER_TIMEOUT_MS`), plus the checking period and slack for a busy machine. */
const TERMINATION_BOUND_MS = 2000 + 2500;
/** Well under the heartbeat timeout: a withdrawal or a goodbye, not a timeout, failed the QP. */
const WITHDRAW_BOUND_MS = 1500;

describe('loop0 across threads: a peer that goes away', () => {
  let local: Local;
  let w: PeerWorker;
  let events: AsyncEvent[];

  beforeEach(async () => {
    local = await openLocal();
    events = [];
    local.ctx.on('event', (e) => events.push(e));
    w = new PeerWorker();
    await w.call('open', {});
  });

  afterEach(async () => {
    local.ctx.close();
    await terminateAll();
  });

  const pair = () => pairWithWorker(local, w);

  it('a terminated worker: the peer QP goes to ERR with completions in bounded time', async () => {
    const a = await pair();
    const mr = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    a.postRecv({ wrId: 100, sgList: [{ mr }] });
    // Outstanding: a send the worker never receives (RNR for ever).
    a.postSend({ wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr }] });
    await new Promise((r) => setTimeout(r, 30));
    const t0 = performance.now();
    await w.terminate();
    const wcs = await awaitPoll(local.cq, 2, TERMINATION_BOUND_MS + 2000);
    const took = performance.now() - t0;
    expect(took).toBeLessThan(TERMINATION_BOUND_MS);
    expect(wcs.map((c) => [c.wrId, c.status]).sort()).toEqual([[1, WcStatus.RETRY_EXC_ERR], [100, WcStatus.WR_FLUSH_ERR]].sort());
    expect(a.stateName).toBe('ERR');
    // The local ACK timer may complete the send before the loss is noticed; QP_FATAL follows within the bound.
    const eventBy = performance.now() + TERMINATION_BOUND_MS;
    while (!events.some((e) => e.type === AsyncEventType.QP_FATAL) && performance.now() < eventBy) await new Promise((r) => setTimeout(r, 10));
    expect(events.some((e) => e.type === AsyncEventType.QP_FATAL)).toBe(true);
    // Later posts flush at once.
    a.postSend({ wrId: 2, opcode: WrOpcode.SEND, sgList: [{ mr }] });
    expect(spinPoll(local.cq, 1, 1000)[0]).toMatchObject({ wrId: 2, status: WcStatus.WR_FLUSH_ERR });
  });

  it('a terminated worker is noticed by a thread that only spins on pollBatch', async () => {
    const a = await pair();
    const mr = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    a.postSend({ wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr }] });
    await w.terminate();
    const t0 = performance.now();
    const [wc] = spinPoll(local.cq, 1, TERMINATION_BOUND_MS + 2000);
    expect(performance.now() - t0).toBeLessThan(TERMINATION_BOUND_MS);
    expect(wc).toMatchObject({ wrId: 1, status: WcStatus.RETRY_EXC_ERR });
  });

  it('a worker that closes its context: peers fail at once (withdrawn)', async () => {
    const a = await pair();
    const mr = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    a.postRecv({ wrId: 100, sgList: [{ mr }] });
    const t0 = performance.now();
    await w.call('close', {});
    const wcs = await awaitPoll(local.cq, 1, 2000);
    expect(performance.now() - t0).toBeLessThan(WITHDRAW_BOUND_MS);
    expect(wcs[0]).toMatchObject({ wrId: 100, status: WcStatus.WR_FLUSH_ERR });
    expect(a.stateName).toBe('ERR');
  });

  it('a worker that exits: peers fail at once (it says goodbye)', async () => {
    const a = await pair();
    const mr = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    a.postSend({ wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr }] });
    const t0 = performance.now();
    w.call('exit', {}).catch(() => {});
    await w.exited;
    const wcs = await awaitPoll(local.cq, 1, 2000);
    expect(performance.now() - t0).toBeLessThan(WITHDRAW_BOUND_MS);
    expect(wcs[0]).toMatchObject({ wrId: 1, status: WcStatus.RETRY_EXC_ERR });
  });

  it('a worker sending to a main-thread context that closed gets an error completion', async () => {
    const a = await pair();
    await w.call('mr', { name: 's', size: 64, shared: true, access: ALL_ACCESS });
    void a;
    local.ctx.close();
    await w.call('send', { qp: 'b', wrs: [{ wrId: 5, opcode: WrOpcode.SEND, sges: [{ mr: 's' }] }] });
    const [wc] = await w.call('poll', { count: 1, timeoutMs: 3000, mode: 'await' });
    expect([WcStatus.RETRY_EXC_ERR, WcStatus.WR_FLUSH_ERR]).toContain(wc!.status);
    expect(await w.call('state', { qp: 'b' })).toBe('ERR');
  });
});
