// A live RC queue pair on loop0 moving between two processes while its peer
// (this process) streams numbered messages and RDMA WRITEs to it: nothing
// lost, duplicated or reordered, the writes land where the QP is, and a
// process dying mid-move leaves the QP where it was (or, the peer gone,
// gives the usual error completions). Set VRDMA_QP_MIGRATIONS=100 for the
// long variant.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openDevice } from '../../lib/index.js';
import { Mover, NumberedStream, moveOnce, startMovers } from '../../bench/migrate/qp-stream.js';
import { until } from '../conformance/harness.js';

const MIGRATIONS = Number(process.env['VRDMA_QP_MIGRATIONS'] ?? 10);

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function requireBuilt(): void {
  const script = fileURLToPath(new URL('../../dist/bench/migrate/qp-mover.js', import.meta.url));
  if (!existsSync(script)) throw new Error(`${script} is missing: run npm run build (npm test does) first`);
}

/** The peer's stream in this process, and two mover processes with the QP in `a`. */
async function setUp(options: { stallB?: boolean } = {}): Promise<{ stream: NumberedStream; a: Mover; b: Mover }> {
  requireBuilt();
  const ctx = await openDevice('loop0', { hub: true });
  cleanups.push(() => ctx.close());
  const stream = new NumberedStream(ctx);
  const { a, b } = await startMovers(stream, options);
  cleanups.push(() => Promise.all([a.kill(), b.kill()]));
  stream.start();
  cleanups.push(() => stream.stop());
  return { stream, a, b };
}

/** Stop the stream, then check that the QP's holder got every number once, in order, each after its WRITE. */
async function checkDelivered(stream: NumberedStream, holder: Mover): Promise<void> {
  await stream.stop();
  expect(stream.errors).toEqual([]);
  holder.tell({ cmd: 'report' });
  const r = await holder.next(['report']);
  expect(r).toMatchObject({ expected: stream.sent, written: stream.sent - 1, errors: 0, pid: holder.child.pid });
  await until(() => stream.echoes === Math.floor(stream.sent / 4));
  expect(stream.errors).toEqual([]);
}

describe('Queue-pair migration on loop0 between processes', () => {
  it(`moves a live RC QP back and forth ${MIGRATIONS} times while the peer streams: none lost, duplicated or reordered; WRITEs land in the new process`, async () => {
    const { stream, a, b } = await setUp();
    let [from, to] = [a, b];
    let before = stream.acked;
    for (let i = 0; i < MIGRATIONS; i++) {
      await until(() => stream.acked >= before + 20);
      await moveOnce(from, to);
      [from, to] = [to, from];
      before = stream.acked;
      expect(stream.errors).toEqual([]);
    }
    await until(() => stream.acked >= before + 20);
    await checkDelivered(stream, from);
  }, 60_000 + MIGRATIONS * 2_000);

  it('the target process killed mid-move: the source rejects with ERR_MIGRATION_ABORTED and keeps the QP; the stream goes on intact', async () => {
    const { stream, a, b } = await setUp({ stallB: true });
    await until(() => stream.acked >= 20);
    a.tell({ cmd: 'move' });
    await b.next(['stalled']);
    await b.kill();
    const failed = await a.next(['move-failed', 'moved']);
    expect(failed).toMatchObject({ ev: 'move-failed', code: 'ERR_MIGRATION_ABORTED' });
    const resumedAt = stream.acked;
    await until(() => stream.acked >= resumedAt + 20);
    await checkDelivered(stream, a);
  }, 60_000);

  it('the source process killed after the target rebuilt the QP: the target rejects and keeps nothing; the peer gets the usual error completions', async () => {
    const { stream, a, b } = await setUp();
    await until(() => stream.acked >= 20);
    a.tell({ cmd: 'move-stall' });
    await a.next(['stalled']);
    await a.kill();
    const failed = await b.next(['receive-failed', 'arrived']);
    expect(failed).toMatchObject({ ev: 'receive-failed', code: 'ERR_MIGRATION_ABORTED', phase: 'switchover' });
    await until(() => stream.errors.length > 0);
    expect(stream.errors[0]).toMatch(/RETRY_EXC_ERR|WR_FLUSH_ERR/);
    await stream.stop();
  }, 60_000);

  it('the peer closing during a move: whichever process ends up with the QP gets the usual error completions', async () => {
    const { stream, a, b } = await setUp();
    await until(() => stream.acked >= 20);
    a.tell({ cmd: 'move' });
    stream.qp.pd.context.close();
    // The move may start after the QP already failed: it is refused then (ERR_BAD_STATE) and the QP stays.
    const moved = await a.next(['moved', 'move-failed', 'error']);
    const holder = moved.ev === 'moved' ? b : a;
    if (moved.ev === 'moved') await b.next(['arrived', 'receive-failed']);
    const bad = await holder.next(['bad']);
    expect(bad).toMatchObject({ what: 'completion', status: expect.stringMatching(/RETRY_EXC_ERR|WR_FLUSH_ERR/) });
  }, 60_000);
});
