// What a queue-pair move refuses before it starts, with the error it names.
import { afterEach, describe, expect, it } from 'vitest';
import {
  ClosedError, Connection, InvalidArgumentError, QpMigrationSource, QpMigrationTarget, QpType, RdmaError, UnsupportedError,
  connect, listen, openDevice, type Context, type QueuePair,
} from '../../lib/index.js';
import { WAIT_MS } from '../conformance/harness.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A connection between two loop0 contexts of this process (what the move would talk over). */
async function link(hub: boolean): Promise<{ ctx: Context; conn: Connection }> {
  const ctx = await openDevice('loop0', { hub });
  cleanups.push(() => ctx.close());
  const l = await listen({ port: 0, context: ctx, timeoutMs: WAIT_MS });
  cleanups.push(() => l.close());
  const port = (l.address as { port: number }).port;
  const [, conn] = await Promise.all([l.accept(), connect({ port, context: ctx, timeoutMs: WAIT_MS })]);
  return { ctx, conn };
}

/** An RC QP on a context of its own, connected to a QP of `peerCtx`. */
async function connectedQp(ctx: Context, peerCtx: Context, type: number = QpType.RC): Promise<QueuePair> {
  const cq = ctx.createCq();
  const qp = ctx.allocPd().createQp({ type, sendCq: cq });
  const peer = peerCtx.allocPd().createQp({ type, sendCq: peerCtx.createCq() });
  await Promise.all([qp.connect(peer.endpoint()), peer.connect(qp.endpoint())]);
  return qp;
}

describe('Queue-pair migration: refusals', () => {
  it('a private loop0 context (hub: false) cannot move: UnsupportedError naming why', async () => {
    const { ctx, conn } = await link(false);
    const own = await openDevice('loop0', { hub: false });
    cleanups.push(() => own.close());
    const qp = await connectedQp(own, ctx);
    const err = (() => { try { new QpMigrationSource(conn, { qp }); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as UnsupportedError).message).toMatch(/hub/);
  });

  it('refuses a UC QP, an unconnected QP, a QP sharing its context, a peer in this thread, a closed QP and bad options', async () => {
    const { ctx, conn } = await link(true);
    const own = await openDevice('loop0', { hub: true });
    cleanups.push(() => own.close());
    const uc = await connectedQp(own, ctx, QpType.UC);
    expect(() => new QpMigrationSource(conn, { qp: uc })).toThrow(InvalidArgumentError);
    uc.close();
    const idle = own.allocPd().createQp({ type: QpType.RC, sendCq: own.createCq() });
    expect(() => new QpMigrationSource(conn, { qp: idle })).toThrow(expect.objectContaining({ code: 'ERR_BAD_STATE' }) as RdmaError);
    const rc = await connectedQp(own, ctx);
    expect(() => new QpMigrationSource(conn, { qp: rc })).toThrow(/holds 2 queue pairs/);
    idle.close();
    expect(() => new QpMigrationSource(conn, { qp: rc })).toThrow(/peer lives in this thread/);
    rc.close();
    expect(() => new QpMigrationSource(conn, { qp: rc })).toThrow(ClosedError);
    expect(() => new QpMigrationSource({} as Connection, { qp: rc })).toThrow(InvalidArgumentError);
    expect(() => new QpMigrationSource(conn, { qp: rc, later: 1 } as never)).toThrow(InvalidArgumentError);
    expect(() => new QpMigrationTarget(conn, { signal: 1 } as never)).toThrow(InvalidArgumentError);
  });
});
