// A peer process dies in the middle of a transfer on loop0 (the processes
// meet through the hub). The statuses are loop0's: the QP's local ACK timer
// (RETRY_EXC_ERR) or the flush after the exchange socket closed
// (WR_FLUSH_ERR), and the same through the CM (its DISCONNECTED when the
// process's hub connection ends). On rxe0 the dead peer's kernel may answer first with
// REM_ACCESS_ERR (its region is gone), so this case is not in the
// provider-agnostic suite.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkCompletionError, listen, type ExchangeError } from '../../lib/index.js';
import { WAIT_MS, cmTestPort, pattern, rejection, until } from '../conformance/harness.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});



describe('Connection on loop0 between processes', () => {
  it.each(['exchange', 'cm'] as const)('a peer process killed mid-transfer (via %s): operations in flight reject naming their completion status, later ones ERR_PEER_GONE, nothing stays registered', async (via) => {
    const script = fileURLToPath(new URL('../../dist/test/connection/connection-peer.js', import.meta.url));
    if (!existsSync(script)) throw new Error(`${script} is missing: run npm run build (npm test does) first`);
    const where = via === 'cm' ? { via, host: '127.0.0.1', port: cmTestPort() } : { port: 0 };
    const l = await listen({ ...where, device: 'loop0', timeoutMs: WAIT_MS * 3, maxInFlight: 4, messageSize: 4096 });
    cleanups.push(() => l.close());
    const port = (l.address as { port: number }).port;
    const child = spawn(process.execPath, [script, 'loop0', String(port), 'stay', via], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => child.kill('SIGKILL'));
    const conn = await l.accept();
    cleanups.push(() => conn.close());
    l.close(); // through the CM the device is the listener's: it closes with the last of the two
    const errors: Error[] = [];
    let done = 0;
    const stream = (async () => {
      for (let i = 0; errors.length === 0 && i < 100_000; i++) {
        const at = (i % 256) * 4096;
        void conn.write(pattern(4096, i), { offset: at }).then(() => { done++; }, (e: Error) => { errors.push(e); });
        await new Promise((r) => setImmediate(r));
      }
    })();
    await until(() => done >= 50);
    child.kill('SIGKILL');
    await stream;
    await until(() => conn.closed && conn.qp.closed);
    expect(errors.length).toBeGreaterThan(0);
    const statuses = errors.filter((e) => e instanceof WorkCompletionError).map((e) => e.code);
    expect(statuses.length, errors.map((e) => e.message).join('\n')).toBeGreaterThan(0);
    for (const c of statuses) expect(c).toMatch(/^ERR_WC_(WR_FLUSH_ERR|RETRY_EXC_ERR)$/);
    for (const e of errors) if (!(e instanceof WorkCompletionError)) expect((e as ExchangeError).code).toBe('ERR_PEER_GONE');
    expect(await rejection(conn.write(new Uint8Array(1)))).toMatchObject({ code: 'ERR_PEER_GONE' });
    expect(conn.failure).not.toBeNull();
    expect([conn.cq.closed, conn.pd.closed, conn.context.closed]).toEqual([true, true, true]);
  });
});
