import { performance } from 'node:perf_hooks';

/** Microseconds since an arbitrary origin (high resolution, allocates nothing). */
export function nowUs(): number {
  return performance.now() * 1000;
}

/** Resolve after one turn of the event loop (lets sockets, messages and timers run). */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolve after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Race `p` against a timeout; rejects with `what` in the message when it passes. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
