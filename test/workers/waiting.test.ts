import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WcStatus, WrOpcode, type Endpoint } from '../../lib/index.js';
import { ALL_ACCESS, openLocal, type Local } from './local.js';
import { awaitPoll } from './poll.js';

const SCRIPT = new URL('../../dist/test/workers/waiting-worker.js', import.meta.url);

describe('loop0 across threads: waiting without spinning', () => {
  let local: Local | null = null;
  let worker: Worker | null = null;

  afterEach(async () => {
    local?.ctx.close();
    await worker?.terminate();
    local = null;
    worker = null;
  });

  it('a worker whose only pending work is await cq.next() stays alive until the send arrives', async () => {
    expect(existsSync(fileURLToPath(SCRIPT)), 'run "npx tsc -p tsconfig.json" first').toBe(true);
    local = await openLocal();
    const w = new Worker(SCRIPT);
    worker = w;
    let exited = false;
    const exit = once(w, 'exit').then(() => { exited = true; });
    const [ep] = (await once(w, 'message')) as [Endpoint];
    const qp = local.qp();
    w.postMessage(qp.endpoint());
    await qp.connect(ep);
    expect((await once(w, 'message'))[0]).toBe('connected');
    await new Promise((r) => setTimeout(r, 300));
    expect(exited).toBe(false);
    const mr = local.pd.registerMemory(local.ctx.allocBuffer(16), ALL_ACCESS);
    mr.buffer.set(Buffer.from('hello, worker!!!'));
    const result = once(w, 'message');
    qp.postSend({ wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr }] });
    expect((await awaitPoll(local.cq, 1, 5000))[0]).toMatchObject({ wrId: 1, status: WcStatus.SUCCESS });
    expect((await result)[0]).toEqual({ wrId: 42, status: WcStatus.SUCCESS, text: 'hello, worker!!!' });
    await exit;
  });
});
