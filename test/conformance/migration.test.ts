import { describe, expect, it } from 'vitest';
import {
  Connection, InvalidArgumentError, MigrationError, MigrationSource, MigrationTarget, connect, listen,
  type MemoryRegion, type MigrationSourceOptions, type MigrationTargetOptions,
} from '../../lib/index.js';
import { PageWriter } from '../../bench/migrate/page-writer.js';
import { WAIT_MS, contextPerFile, pattern, region, rejection, testDeviceName, until } from './harness.js';

const PAGE = 4096;
const { context, cleanups } = contextPerFile();

interface Sides {
  readonly src: MemoryRegion[];
  readonly dst: MemoryRegion[];
  readonly source: Connection;
  readonly target: Connection;
}

/** Source regions of `sizes` bytes filled with a pattern, empty target regions, and a connection between them. */
async function sides(sizes: readonly number[] = [1 << 20]): Promise<Sides> {
  const ctx = context();
  const pdS = ctx.allocPd();
  const pdT = ctx.allocPd();
  cleanups.push(() => pdS.close(), () => pdT.close());
  const src = sizes.map((n) => region(pdS, n));
  src.forEach((mr, i) => mr.buffer.set(pattern(mr.length, 10 + i)));
  const dst = sizes.map((n) => region(pdT, n));
  const l = await listen({ port: 0, context: ctx, pd: pdT, regions: dst, timeoutMs: WAIT_MS });
  cleanups.push(() => l.close());
  const port = (l.address as { port: number }).port;
  const [target, source] = await Promise.all([l.accept(), connect({ port, context: ctx, pd: pdS, regions: src, timeoutMs: WAIT_MS })]);
  cleanups.push(() => source.close(), () => target.close());
  return { src, dst, source, target };
}

function same(a: readonly MemoryRegion[], b: readonly MemoryRegion[]): boolean {
  return a.every((mr, i) => Buffer.from(mr.buffer).equals(Buffer.from(b[i]!.buffer)));
}

function run(s: Sides, so: Omit<MigrationSourceOptions, 'regions'> = {}, to: Omit<MigrationTargetOptions, 'regions'> = {}) {
  const source = new MigrationSource(s.source, { regions: s.src, ...so });
  const target = new MigrationTarget(s.target, { regions: s.dst, ...to });
  cleanups.push(() => source.close(), () => target.close());
  return { source, target, result: source.migrate(), image: target.receive() };
}

describe(`Memory migration on ${testDeviceName()}`, () => {
  it('converges while a writer keeps changing the image, pauses it for the last round, and both sides verify equal', async () => {
    const s = await sides([1 << 20, 512 << 10]);
    const writer = new PageWriter(s.src.map((mr) => mr.buffer), { pageSize: PAGE, pagesPerTick: 4, everyMs: 2 });
    writer.resume();
    let paused = 0;
    const rounds: number[] = [];
    const { result, image } = run(s, { pause: () => { writer.pause(); paused++; }, resume: () => writer.resume(), onRound: (r) => rounds.push(r.round) });
    const [r, img] = await Promise.all([result, image]);
    expect(writer.running).toBe(false);
    expect(paused).toBe(1);
    expect(writer.pagesWritten).toBeGreaterThan(0);
    expect(same(s.src, s.dst)).toBe(true);
    expect(r.verified).toBe(true);
    expect(r.verifiedPages).toBe(384);
    expect(r.imageBytes).toBe(1536 << 10);
    expect(r.rounds.at(0)).toMatchObject({ round: 1, kind: 'precopy', pages: 384, bytes: 1536 << 10, writes: 2, packedPages: 0 });
    expect(r.rounds.filter((x) => x.kind === 'stop-and-copy')).toHaveLength(1);
    expect(rounds).toEqual(r.rounds.map((x) => x.round));
    expect(r.bytesMoved).toBe(r.rounds.reduce((n, x) => n + x.bytes, 0));
    expect(r.moveRatio).toBeCloseTo(r.bytesMoved / r.imageBytes);
    expect(r.pauseMs).toBeGreaterThanOrEqual(r.stopAndCopyMs);
    expect(await r.released).toBe(true);
    expect(img.deferredPages).toBe(0);
    expect(Buffer.from(await img.read(1 << 20, 8192)).equals(Buffer.from(s.src[1]!.buffer.subarray(0, 8192)))).toBe(true);
  });

  it("'marked' tracking sends only the pages the writer marked; an unmarked write is caught by verification and sent again", async () => {
    const s = await sides();
    let source: MigrationSource | null = null;
    const writer = new PageWriter([s.src[0]!.buffer], { pageSize: PAGE, pagesPerTick: 2, everyMs: 2, onWrite: (at, n) => source?.markDirty(at, n) });
    const src = s.src[0]!.buffer;
    const pause = (): void => {
      writer.pause();
      src[100 * PAGE + 5] = src[100 * PAGE + 5]! ^ 0xff;
    };
    const m = run(s, { tracking: 'marked', pause, resume: () => writer.resume(), threshold: 2 });
    source = m.source;
    writer.resume();
    const [r] = await Promise.all([m.result, m.image]);
    expect(same(s.src, s.dst)).toBe(true);
    expect(r.repairedPages).toBe(1);
    expect(r.rounds.at(-1)).toMatchObject({ kind: 'repair', pages: 1 });
    expect(r.rounds.at(0)!.pages).toBe(256);
    for (const x of r.rounds.slice(1, -2)) expect(x.pages).toBeLessThan(256);
  });

  it('markDirty() forces a page to be sent again even when its hash did not change', async () => {
    const s = await sides([64 << 10]);
    let source: MigrationSource | null = null;
    const { result, image, source: src } = run(s, { threshold: 0, pause: () => source!.markDirty(3 * PAGE + 1, 1) });
    source = src;
    const r = await result;
    await image;
    expect(r.rounds.find((x) => x.kind === 'stop-and-copy')).toMatchObject({ pages: 1, writes: 0, packedPages: 1 });
    expect(r.bytesMoved).toBe(17 * PAGE);
  });

  it('shared pages are not copied: the target reads them from the source, copies each on its first write, and releases the source when none is left', async () => {
    const s = await sides([256 << 10]);
    const shared = [{ offset: 8 * PAGE, length: 2 * PAGE }, { offset: 60 * PAGE, length: PAGE }];
    const { result, image } = run(s, { shared });
    const [r, img] = await Promise.all([result, image]);
    expect(r.deferredBytes).toBe(3 * PAGE);
    expect(r.bytesMoved).toBe(61 * PAGE);
    expect(r.moveRatio).toBe(1);
    expect(img.deferredPages).toBe(3);
    const src = s.src[0]!.buffer;
    const dst = s.dst[0]!.buffer;
    expect(dst.subarray(8 * PAGE, 10 * PAGE).every((b) => b === 0)).toBe(true);
    // a read across local and deferred pages comes back whole, and copies nothing
    const got = await img.read(7 * PAGE + 100, 3 * PAGE);
    expect(Buffer.from(got).equals(Buffer.from(src.subarray(7 * PAGE + 100, 10 * PAGE + 100)))).toBe(true);
    expect([img.isDeferred(8), img.deferredPages]).toEqual([true, 3]);
    // the first write to a deferred page copies it, then applies the bytes
    await Promise.all([img.write(9 * PAGE + 10, new Uint8Array([1, 2, 3])), img.write(9 * PAGE + 20, new Uint8Array([4]))]);
    expect([img.isDeferred(9), img.deferredPages]).toEqual([false, 2]);
    const expected = Uint8Array.from(src.subarray(9 * PAGE, 10 * PAGE));
    expected.set([1, 2, 3], 10);
    expected[20] = 4;
    expect(Buffer.from(dst.subarray(9 * PAGE, 10 * PAGE)).equals(Buffer.from(expected))).toBe(true);
    expect(Buffer.from(await img.read(9 * PAGE, PAGE)).equals(Buffer.from(expected))).toBe(true);
    let released = false;
    void r.released.then((v) => { released = v; });
    await img.pullAll();
    expect(img.deferredPages).toBe(0);
    await until(() => released);
    expect(Buffer.from(dst.subarray(8 * PAGE, 9 * PAGE)).equals(Buffer.from(src.subarray(8 * PAGE, 9 * PAGE)))).toBe(true);
    expect(Buffer.from(dst.subarray(60 * PAGE, 61 * PAGE)).equals(Buffer.from(src.subarray(60 * PAGE, 61 * PAGE)))).toBe(true);
  });

  it('pages the target already holds (same hash, same place) are not copied', async () => {
    const s = await sides([256 << 10]);
    s.dst[0]!.buffer.set(s.src[0]!.buffer.subarray(0, 40 * PAGE));
    const { result, image } = run(s, {}, { advertise: true });
    const [r] = await Promise.all([result, image]);
    expect(r.presentBytes).toBe(40 * PAGE);
    expect(r.bytesMoved).toBe(24 * PAGE);
    expect(same(s.src, s.dst)).toBe(true);
  });

  it('a target that gives up mid-migration: the source rejects with ERR_MIGRATION_ABORTED, resumes its writer, and its image is unchanged', async () => {
    const s = await sides();
    const before = Uint8Array.from(s.src[0]!.buffer);
    let resumed = 0;
    const { result, image, target } = run(s, { pause: () => target.close(), resume: () => { resumed++; } });
    const targetErr = await rejection(image);
    expect(targetErr).toBeInstanceOf(MigrationError);
    const err = await rejection(result);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).code).toBe('ERR_MIGRATION_ABORTED');
    expect(['stop-and-copy', 'verify']).toContain((err as MigrationError).phase);
    expect(resumed).toBe(1);
    expect(Buffer.from(s.src[0]!.buffer).equals(Buffer.from(before))).toBe(true);
  });

  it('images of different layouts fail setup on both sides; close() is idempotent', async () => {
    const s = await sides([64 << 10]);
    const source = new MigrationSource(s.source, { regions: s.src, pageSize: 8192 });
    const target = new MigrationTarget(s.target, { regions: s.dst });
    const [a, b] = await Promise.all([rejection(source.migrate()), rejection(target.receive())]);
    for (const e of [a, b]) expect(e).toMatchObject({ code: 'ERR_MIGRATION_ABORTED', phase: 'setup' });
    expect(((b as MigrationError).cause as { code: string }).code).toBe('ERR_MIGRATION_PROTOCOL');
    source.close();
    source.close();
    target.close();
    target.close();
    expect([source.closed, target.closed]).toEqual([true, true]);
    expect(await rejection(source.migrate())).toBe(a);
  });

  it('bad input is refused with InvalidArgumentError before anything is sent', async () => {
    const s = await sides([64 << 10]);
    const bad: Array<() => unknown> = [
      () => new MigrationSource({} as never, { regions: s.src }),
      () => new MigrationSource(s.source, { regions: [] }),
      () => new MigrationSource(s.source, { regions: s.dst }),
      () => new MigrationSource(s.source, { regions: s.src, pageSize: 3000 }),
      () => new MigrationSource(s.source, { regions: s.src, pageSize: 1 << 17 }),
      () => new MigrationSource(s.source, { regions: s.src, shared: [{ offset: 100, length: PAGE }] }),
      () => new MigrationSource(s.source, { regions: s.src, shared: [{ offset: 0, length: 128 << 10 }] }),
      () => new MigrationSource(s.source, { regions: s.src, tracking: 'dirty-bits' as never }),
      () => new MigrationSource(s.source, { regions: s.src, maxWriteBytes: 5000 }),
      () => new MigrationSource(s.source, { regions: s.src, bogus: 1 } as never),
      () => new MigrationSource(s.source, { regions: s.src }).markDirty(60 << 10, 8 << 10),
      () => new MigrationTarget(s.target, { regions: s.src }),
    ];
    for (const f of bad) expect(f).toThrow(InvalidArgumentError);
    const pd = context().allocPd();
    cleanups.push(() => pd.close());
    const unexposed = region(pd, 64 << 10);
    expect(() => new MigrationTarget(s.target, { regions: [unexposed] })).toThrow(/connection's protection domain/);
  });
});
