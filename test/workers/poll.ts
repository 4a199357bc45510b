import { WcBatch, type CompletionQueue, type WorkCompletion } from '../../lib/index.js';

/** Poll `cq` synchronously (`pollBatch`, no event loop) until `count` completions arrived. @throws Error after `timeoutMs`. */
export function spinPoll(cq: CompletionQueue, count: number, timeoutMs: number): WorkCompletion[] {
  const out: WorkCompletion[] = [];
  const batch = new WcBatch(64);
  const deadline = performance.now() + timeoutMs;
  while (out.length < count) {
    const n = cq.pollBatch(batch, Math.min(batch.capacity, count - out.length));
    for (let i = 0; i < n; i++) out.push(batch.at(i));
    if (n === 0 && performance.now() > deadline) throw new Error(`spin poll timed out: ${out.length} of ${count} completions after ${timeoutMs} ms`);
  }
  return out;
}

/** Wait on the event loop (`await cq.next()`) until `count` completions arrived. @throws Error after `timeoutMs`. */
export async function awaitPoll(cq: CompletionQueue, count: number, timeoutMs: number): Promise<WorkCompletion[]> {
  const out: WorkCompletion[] = [];
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
  try {
    while (out.length < count) {
      const next = cq.next();
      next.catch(() => {});
      const got = await Promise.race([next, expired]);
      if (got === 'timeout') throw new Error(`await poll timed out: ${out.length} of ${count} completions after ${timeoutMs} ms`);
      out.push(got);
    }
    return out;
  } finally {
    clearTimeout(timer);
  }
}

/** Bytes `0..size-1` of a pattern that differs per `seed`. */
export function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
