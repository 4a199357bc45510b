import { afterEach, describe, expect, it } from 'vitest';
import { WcStatus, WrOpcode, type CompletionQueue } from '../../lib/index.js';
import type { CqBackend } from '../../lib/provider/spi.js';
import { PeerWorker, terminateAll } from './harness.js';
import { ALL_ACCESS, openLocal, pairWithWorker, type Local } from './local.js';

/** Count the polls `cq.wait()` makes of its backend (the spin's `ready()` calls). */
function countReadyCalls(cq: CompletionQueue): { readonly calls: () => number } {
  const raw = (cq as unknown as { raw: CqBackend }).raw;
  const ready = raw.ready.bind(raw);
  let n = 0;
  raw.ready = () => {
    n++;
    return ready();
  };
  return { calls: () => n };
}

describe('cq.wait() spins on loop0 only when a spin can see a completion', () => {
  let local: Local | undefined;
  afterEach(async () => {
    local?.ctx.close();
    local = undefined;
    await terminateAll();
  });

  it('with no other thread on the fabric it sleeps at once: its completions come inside posts or on the event loop, which a spin would only hold up', async () => {
    local = await openLocal();
    const mr = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    const a = local.qp();
    const b = local.qp();
    await a.connect(b.endpoint());
    await b.connect(a.endpoint());
    const counter = countReadyCalls(local.cq);
    const waiting = local.cq.wait({ spinUs: 100_000 });
    // what wait() did before it slept: one look, not 100 ms of them
    expect(counter.calls()).toBeLessThanOrEqual(2);
    b.postRecv({ wrId: 1, sgList: [{ mr }] });
    a.postSend({ wrId: 2, opcode: WrOpcode.SEND, sgList: [{ mr, length: 8 }] });
    await waiting;
    expect(local.cq.poll(4).map((w) => w.status)).toEqual([WcStatus.SUCCESS, WcStatus.SUCCESS]);
  });

  it('with a peer thread it polls before it sleeps, since that thread can complete work meanwhile', async () => {
    local = await openLocal();
    const w = new PeerWorker();
    await w.call('open', {});
    const a = await pairWithWorker(local, w);
    const mr = local.pd.registerMemory(local.ctx.allocBuffer(64), ALL_ACCESS);
    a.postRecv({ wrId: 7, sgList: [{ mr }] });
    const counter = countReadyCalls(local.cq);
    const waiting = local.cq.wait({ spinUs: 2000 });
    expect(counter.calls()).toBeGreaterThan(2);
    await w.call('mr', { name: 's', size: 64, shared: true, access: ALL_ACCESS });
    await w.call('send', { qp: 'b', wrs: [{ wrId: 5, opcode: WrOpcode.SEND, sges: [{ mr: 's', length: 8 }] }] });
    await waiting;
    expect(local.cq.poll(4).map((wc) => [wc.wrId, wc.status])).toEqual([[7, WcStatus.SUCCESS]]);
  });
});
