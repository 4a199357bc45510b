// A migration whose peer process is killed midway, on loop0 (the processes
// meet through the hub): the side left rejects with ERR_MIGRATION_ABORTED and
// a phase, and a source's image is exactly what its own writer made of it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Access, MigrationError, MigrationSource, MigrationTarget, listen, openDevice, type Connection } from '../../lib/index.js';
import { PageWriter } from '../../bench/migrate/page-writer.js';
import { WAIT_MS, pattern, rejection } from '../conformance/harness.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SIZE = 4 << 20;

/** A 4 MiB image in this process, a peer process running `role`, and the connection to it. */
async function withPeer(role: 'source' | 'target'): Promise<{ conn: Connection; child: ChildProcess; lines: AsyncIterator<string>; bytes: Uint8Array; mr: import('../../lib/index.js').MemoryRegion }> {
  const script = fileURLToPath(new URL('../../dist/test/migration/migration-peer.js', import.meta.url));
  if (!existsSync(script)) throw new Error(`${script} is missing: run npm run build (npm test does) first`);
  const ctx = await openDevice('loop0');
  cleanups.push(() => ctx.close());
  const pd = ctx.allocPd();
  const bytes = ctx.allocBuffer(SIZE);
  bytes.set(pattern(SIZE, 3));
  const mr = pd.registerMemory(bytes, Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ);
  const l = await listen({ port: 0, context: ctx, pd, regions: [mr], timeoutMs: WAIT_MS * 3 });
  cleanups.push(() => l.close());
  const child = spawn(process.execPath, [script, 'loop0', String((l.address as { port: number }).port), role], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => child.kill('SIGKILL'));
  const conn = await l.accept();
  cleanups.push(() => conn.close());
  return { conn, child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator](), bytes, mr };
}

describe('Memory migration on loop0 between processes', () => {
  it('the target process killed mid-round: the source rejects with ERR_MIGRATION_ABORTED, its writer resumes, its image is only what the writer wrote', async () => {
    const { conn, child, bytes, mr } = await withPeer('target');
    const shadow = Uint8Array.from(bytes);
    const writer = new PageWriter([bytes], { pageSize: 4096, pagesPerTick: 16, everyMs: 1, onWrite: (at, n) => shadow.set(bytes.subarray(at, at + n), at) });
    writer.resume();
    cleanups.push(() => writer.pause());
    let resumed = 0;
    const source = new MigrationSource(conn, {
      regions: [mr], threshold: 0, maxWriteBytes: 64 << 10,
      onRound: (r) => { if (r.round === 1) child.kill('SIGKILL'); },
      pause: () => writer.pause(), resume: () => { resumed++; },
    });
    const err = await rejection(source.migrate());
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).code).toBe('ERR_MIGRATION_ABORTED');
    expect(['precopy', 'stop-and-copy', 'verify']).toContain((err as MigrationError).phase);
    expect(resumed).toBe((err as MigrationError).phase === 'precopy' ? 0 : 1);
    writer.pause();
    expect(writer.pagesWritten).toBeGreaterThan(0);
    expect(Buffer.from(bytes).equals(Buffer.from(shadow))).toBe(true);
    source.close();
    source.close();
  });

  it('the source process killed mid-round: the target rejects with ERR_MIGRATION_ABORTED', async () => {
    const { conn, child, lines } = await withPeer('source');
    const target = new MigrationTarget(conn, { regions: conn.regions.slice() });
    const received = rejection(target.receive());
    for (let line = await lines.next(); !line.done && line.value !== 'round 1'; line = await lines.next());
    child.kill('SIGKILL');
    const err = await received;
    expect(err).toBeInstanceOf(MigrationError);
    expect(err).toMatchObject({ code: 'ERR_MIGRATION_ABORTED' });
    target.close();
    target.close();
  });
});
