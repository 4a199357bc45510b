import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Access, MigrationSource, listen, openDevice, type MigrationResult } from '../../lib/index.js';
import { hashPageInto } from '../../lib/migration/page-hash.js';
import { PageWriter } from './page-writer.js';
import type { TargetReport } from './demo-target.js';

/** The demo's image and workload. */
export interface DemoSettings {
  readonly bytes: number;
  readonly pageSize: number;
  /** Percent of the image (at its end) marked shared. */
  readonly sharedPercent: number;
  /** Percent of the pages the writer dirties every `everyMs`. */
  readonly dirtyPercent: number;
  readonly everyMs: number;
}

const MiB = 1 << 20;
const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;

/**
 * The source process: fill the image, let a target process connect, migrate
 * while the writer runs, print what happened, and compare SHA-256 digests of
 * both images. @returns true when everything matched.
 */
export async function runSource(device: string, s: DemoSettings, spawnTarget: (port: number) => ChildProcess): Promise<boolean> {
  const ctx = await openDevice(device);
  const pd = ctx.allocPd();
  const bytes = ctx.allocBuffer(s.bytes);
  fill(bytes);
  const mr = pd.registerMemory(bytes, Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ);
  const listener = await listen({ port: 0, context: ctx, pd, regions: [mr], timeoutMs: 60_000, messageSize: 256 << 10, maxInFlight: 64, recvDepth: 64 });
  const child = spawnTarget((listener.address as { port: number }).port);
  const exited = once(child, 'exit');
  const conn = await listener.accept();
  listener.close();

  const pages = s.bytes / s.pageSize;
  const shared = Math.floor(pages * s.sharedPercent / 100) * s.pageSize;
  const perTick = Math.max(1, Math.round(pages * s.dirtyPercent / 100));
  console.log(`migrate on ${ctx.device.name} (${ctx.device.provider}): ${mib(s.bytes)} image, ${mib(shared)} shared, a writer dirtying ${perTick} pages every ${s.everyMs} ms, two processes`);
  console.log(`hashing the whole image in JS: ${hashTime(bytes, s.pageSize).toFixed(1)} ms`);

  const writer = new PageWriter([bytes.subarray(0, s.bytes - shared)], { pageSize: s.pageSize, pagesPerTick: perTick, everyMs: s.everyMs });
  let writtenAtPause = 0;
  const source = new MigrationSource(conn, {
    regions: [mr],
    shared: shared > 0 ? [{ offset: s.bytes - shared, length: shared }] : [],
    pause: () => { writer.pause(); writtenAtPause = writer.pagesWritten; },
    resume: () => writer.resume(),
    onRound: (r) => console.log(`  round ${String(r.round).padStart(2)} ${r.kind.padEnd(13)} ${String(r.pages).padStart(6)} pages ${mib(r.bytes).padStart(10)} ${r.ms.toFixed(1).padStart(8)} ms`),
  });
  const started = performance.now();
  writer.resume();
  let result: MigrationResult;
  try {
    result = await source.migrate();
  } catch (err) {
    writer.pause();
    console.error(`migrate on ${ctx.device.name}: FAILED: ${err instanceof Error ? err.message : String(err)}`);
    child.kill();
    ctx.close();
    return false;
  }
  const totalMs = performance.now() - started;
  child.send('check');
  const [report] = (await once(child, 'message')) as [TargetReport];
  const released = await result.released;
  child.send('bye');
  await exited;
  const digest = createHash('sha256').update(bytes).digest('hex');
  const ok = report.readDigest === digest && report.localDigest === digest && released && report.deferredAfter === 0;

  const needed = result.imageBytes - result.deferredBytes;
  console.log(`  moved ${mib(result.bytesMoved)} for ${mib(needed)} of non-shared image: ${result.moveRatio.toFixed(3)}x (${result.rounds.length} rounds, ${mib(result.deferredBytes)} deferred)`);
  console.log(`  pause ${result.pauseMs.toFixed(1)} ms (stop-and-copy ${result.stopAndCopyMs.toFixed(1)} ms, verification ${result.verifyMs.toFixed(1)} ms); migration ${totalMs.toFixed(0)} ms; the writer changed ${writtenAtPause} pages meanwhile`);
  console.log(`  verification: ${result.verifiedPages} pages equal by hash, ${result.repairedPages} sent again; SHA-256 of the target's image ${report.readDigest === digest ? 'equals' : 'DIFFERS FROM'} the source's through read() (${report.deferredBefore} shared pages read remotely) and ${report.localDigest === digest ? 'equals' : 'DIFFERS FROM'} it after pullAll(); source released: ${released}`);
  console.log(`migrate on ${ctx.device.name}: ${ok ? 'verification OK' : 'MISMATCH'}`);
  await conn.close();
  ctx.close();
  return ok;
}

/** Fill with a cheap pseudo-random pattern. */
function fill(bytes: Uint8Array): void {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  let x = 2463534242;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    words[i] = x;
  }
}

/** Milliseconds to hash every page once (the best of three). */
function hashTime(bytes: Uint8Array, pageSize: number): number {
  const out = new Uint32Array(2 * (bytes.length / pageSize));
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t = performance.now();
    for (let p = 0; p < bytes.length / pageSize; p++) hashPageInto(bytes, p * pageSize, pageSize, out, p);
    best = Math.min(best, performance.now() - t);
  }
  return best;
}
