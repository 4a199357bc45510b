// The completion channel is watched on the loop of the environment that
// created the CQ: a worker thread can wait on it, and a worker's teardown
// releases what it left open.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { WcStatus } from '../../lib/index.js';
import { compiledScript, skipReason, testDevice, titled } from './helpers.js';

function runWorker(mode: string, onMessage?: (w: Worker, m: Record<string, unknown>) => void): Promise<{ messages: Record<string, unknown>[]; code: number }> {
  const worker = new Worker(compiledScript('worker-peer'), { workerData: { device: testDevice, mode } });
  const messages: Record<string, unknown>[] = [];
  return new Promise((resolve, reject) => {
    worker.on('message', (m: Record<string, unknown>) => { messages.push(m); onMessage?.(worker, m); });
    worker.on('error', reject);
    worker.on('exit', (code) => resolve({ messages, code }));
  });
}

describe.skipIf(skipReason !== undefined)(titled('worker threads'), () => {
  it('two workers at once each wait on their own completion channel and get their completion, while this thread keeps running', async () => {
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 10);
    const results = await Promise.all([runWorker('exchange'), runWorker('exchange')]);
    clearInterval(timer);
    for (const { messages, code } of results) {
      expect(code).toBe(0);
      expect(messages[0]).toMatchObject({ wrId: 77, status: WcStatus.SUCCESS, text: 'from a worker' });
      expect(messages[0]!['pendingAtPost']).toBe(true);
    }
    expect(ticks).toBeGreaterThan(0);
  });

  it('a worker that leaves everything open exits cleanly', async () => {
    const { messages, code } = await runWorker('leak');
    expect(messages).toEqual([{ leaked: true }]);
    expect(code).toBe(0);
  });

  it('terminating a worker blocked in a completion wait does not crash', async () => {
    const { messages, code } = await runWorker('wait-forever', (w, m) => { if (m['waiting']) void w.terminate(); });
    expect(messages).toEqual([{ waiting: true }]);
    expect(code).toBe(1);
  });
});
