import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ThreadBlock } from '../../lib/providers/loopback/shm/thread-block.js';
import { Waker } from '../../lib/providers/loopback/shm/waker.js';
import { Echo, type EchoData } from './wake-echo.js';

const ECHO = new URL('../../dist/test/workers/wake-echo-worker.js', import.meta.url);
/** Ping-pongs through the doorbells alone: enough to meet the races between a ring and a re-arm many times. */
const ROUND_TRIPS = 100_000;
/** A wake-up that has not arrived after this long was lost (a round trip takes microseconds). */
const LOST_AFTER_MS = 5_000;

describe('loop0 across threads: wake-ups', () => {
  let worker: Worker | null = null;

  afterEach(async () => {
    await worker?.terminate();
    worker = null;
  });

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
