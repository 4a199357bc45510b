/**
 * The live queue-pair part of `npm run demo:migrate`: an RC QP on loop0
 * moves back and forth between two processes while this process streams
 * numbered WRITE+SEND pairs to it; prints each move's pause (source side:
 * freeze until the hub gave the QP away) and the longest wait the stream
 * saw between two completions around it, then checks that every number
 * arrived once and in order with its WRITE first.
 */
import { openDevice } from '../../lib/index.js';
import { NumberedStream, moveOnce, startMovers } from './qp-stream.js';

/** The figures of one run. */
export interface QpDemoResult {
  readonly pausesMs: number[];
  readonly gapsMs: number[];
  readonly ok: boolean;
}

/** Move a live QP `migrations` times; print and return the figures. */
export async function runQpDemo(migrations: number): Promise<QpDemoResult> {
  const ctx = await openDevice('loop0', { hub: true });
  const stream = new NumberedStream(ctx);
  const { a, b } = await startMovers(stream);
  const pausesMs: number[] = [];
  const gapsMs: number[] = [];
  let ok = true;
  try {
    stream.start();
    let [from, to] = [a, b];
    await settle(stream, 200);
    for (let i = 0; i < migrations; i++) {
      stream.markGapWindow();
      const moved = await moveOnce(from, to);
      await settle(stream, 50);
      pausesMs.push(moved['pauseMs'] as number);
      gapsMs.push(stream.gapMs);
      [from, to] = [to, from];
    }
    await stream.stop();
    from.tell({ cmd: 'report' });
    const r = await from.next(['report']);
    const lostOrWrong = stream.errors.length + (r['errors'] as number) + (r['expected'] === stream.sent ? 0 : 1);
    ok = lostOrWrong === 0;
    const p = summary(pausesMs);
    const g = summary(gapsMs);
    console.log(`[qp] ${migrations} moves of a live RC QP (QPN ${String(r['qpn'])}) between two processes, ${stream.sent} numbered WRITE+SEND pairs streamed to it meanwhile`);
    console.log(`[qp] switchover pause (freeze -> LID handed over): median ${p.median.toFixed(2)} ms, p90 ${p.p90.toFixed(2)} ms, max ${p.max.toFixed(2)} ms`);
    console.log(`[qp] peer's longest wait between two completions around a move: median ${g.median.toFixed(2)} ms, p90 ${g.p90.toFixed(2)} ms, max ${g.max.toFixed(2)} ms`);
    console.log(`[qp] lost, duplicated or reordered: ${ok ? 'none' : `${lostOrWrong} problem(s): ${stream.errors.slice(0, 3).join('; ')}`}`);
    console.log(`[qp] targets: pause <= 1 ms ${p.median <= 1 ? 'PASS' : 'MISS'} (median); zero lost/duplicated/reordered across ${migrations} moves ${ok ? 'PASS' : 'MISS'}`);
  } catch (err) {
    ok = false;
    console.error(`[qp] ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await Promise.all([a.kill(), b.kill()]);
    ctx.close();
  }
  return { pausesMs, gapsMs, ok };
}

/** Wait until the stream completed `n` more numbers (it runs again after a move). */
async function settle(stream: NumberedStream, n: number): Promise<void> {
  const target = stream.acked + n;
  const deadline = Date.now() + 30_000;
  while (stream.acked < target && stream.errors.length === 0) {
    if (Date.now() > deadline) throw new Error(`the stream stalled at ${stream.acked} (errors: ${stream.errors.join('; ')})`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

function summary(xs: number[]): { median: number; p90: number; max: number } {
  const s = [...xs].sort((x, y) => x - y);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { median: at(0.5), p90: at(0.9), max: s[s.length - 1] ?? 0 };
}
