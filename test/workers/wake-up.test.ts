import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Access, QpType, WcBatch, WcOpcode, WrOpcode, openDevice, type Context, type Endpoint } from '../../lib/index.js';
import { ThreadBlock } from '../../lib/providers/loopback/shm/thread-block.js';
import { Waker } from '../../lib/providers/loopback/shm/waker.js';
import { Echo, type EchoData } from './wake-echo.js';

const ECHO = new URL('../../dist/test/workers/wake-echo-worker.js', import.meta.url);
const WAIT_ECHO = new URL('../../dist/test/workers/wait-echo-worker.js', import.meta.url);
/** Ping-pongs through the doorbells alone: enough to meet the races between a ring and a re-arm many times. */
const ROUND_TRIPS = 100_000;
/** A wake-up that has not arrived after this long was lost (a round trip takes microseconds). */
const LOST_AFTER_MS = 5_000;

describe('loop0 across threads: wake-ups', () => {
  let worker: Worker | null = null;
  let ctx: Context | null = null;

  afterEach(async () => {
    ctx?.close();
    await worker?.terminate();
    worker = null;
    ctx = null;
  });

  it('a send/receive ping-pong with both threads waiting in cq.wait() runs to the end, every message intact', async () => {
    expect(existsSync(fileURLToPath(WAIT_ECHO)), 'run "npx tsc -p tsconfig.json" first').toBe(true);
    const rounds = 2000;
    ctx = await openDevice('loop0', { hub: false });
    const pd = ctx.allocPd();
    const cq = ctx.createCq({ depth: 64 });
    const qp = pd.createQp({ type: QpType.RC, sendCq: cq });
    const mr = pd.registerMemory(ctx.allocBuffer(64), Access.LOCAL_WRITE);
    const view = new DataView(mr.buffer.buffer, mr.buffer.byteOffset, 64);
    for (let i = 0; i < 8; i++) qp.postRecv({ wrId: 0, sgList: [{ mr, offset: 32, length: 32 }] });
    worker = new Worker(WAIT_ECHO, { workerData: { rounds } });
    const [remote] = (await once(worker, 'message')) as [Endpoint];
    worker.postMessage(qp.endpoint());
    await qp.connect(remote);
    await once(worker, 'message');
    const batch = new WcBatch(16);
    const deadline = performance.now() + 60_000;
    for (let i = 0; i < rounds; i++) {
      view.setUint32(0, i, true);
      qp.postSend({ wrId: i, opcode: WrOpcode.SEND, sgList: [{ mr, offset: 0, length: 4 }], signaled: i % 16 === 15 });
      let echoed = false;
      while (!echoed) {
        const n = cq.pollBatch(batch);
        if (n === 0) {
          if (performance.now() > deadline) expect.fail(`round trip ${i} of ${rounds}: no echo after 60 s`);
          await cq.wait();
          continue;
        }
        for (let k = 0; k < n; k++) {
          expect(batch.status(k)).toBe(0);
          if (batch.opcode(k) !== WcOpcode.RECV) continue;
          expect(view.getUint32(32, true)).toBe(i);
          qp.postRecv({ wrId: 0, sgList: [{ mr, offset: 32, length: 32 }] });
          echoed = true;
        }
      }
    }
    await once(worker, 'message');
    worker.postMessage('exit');
  }, 120_000);

  it(`two threads that only ever sleep on their doorbells answer ${ROUND_TRIPS} pings without losing a wake-up`, async () => {
    expect(existsSync(fileURLToPath(ECHO)), 'run "npx tsc -p tsconfig.json" first').toBe(true);
    const words = new Int32Array(new SharedArrayBuffer(64 * 4));
    const mainBlock = new ThreadBlock();
    const workerBlock = new ThreadBlock();
    let pong = 0;
    let answered: (() => void) | null = null;
    const waker = new Waker(mainBlock, () => {
      const now = Atomics.load(words, Echo.PONG);
      if (now === pong) return;
      pong = now;
      answered?.();
    });
    const data: EchoData = { words: words.buffer as SharedArrayBuffer, mainBlock: mainBlock.sab, workerBlock: workerBlock.sab };
    worker = new Worker(ECHO, { workerData: data });
    await once(worker, 'message');
    waker.arm();
    for (let i = 1; i <= ROUND_TRIPS; i++) {
      let timer: NodeJS.Timeout | undefined;
      const got = await new Promise<boolean>((resolve) => {
        answered = () => { if (pong === i) resolve(true); };
        timer = setTimeout(() => resolve(false), LOST_AFTER_MS);
        Atomics.store(words, Echo.PING, i);
        workerBlock.ring();
        workerBlock.ring();
      });
      clearTimeout(timer);
      if (!got) expect.fail(`round trip ${i}: no answer within ${LOST_AFTER_MS} ms (ping ${Atomics.load(words, Echo.PING)}, pong ${Atomics.load(words, Echo.PONG)}): a wake-up was lost`);
    }
    expect(pong).toBe(ROUND_TRIPS);
    worker.postMessage('exit');
  }, 120_000);
});
