/**
 * The exact writes setNumVfs makes, seen by wrapping node:fs/promises.open,
 * and what happens when the kernel refuses the second write.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FileHandle } from 'node:fs/promises';
import { tempFixture, type SysfsBuilder } from './fixtures/index.js';

const seen: { path: string; data: string }[] = [];
let failOn: { data: string; code: string } | undefined;

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    open: async (...args: Parameters<typeof real.open>): Promise<FileHandle> => {
      const handle = await real.open(...args);
      const path = String(args[0]);
      const write = handle.write.bind(handle) as (data: string) => Promise<unknown>;
      Object.defineProperty(handle, 'write', {
        value: async (data: string) => {
          seen.push({ path, data });
          if (failOn && data === failOn.data) throw Object.assign(new Error(`write: ${failOn.code}`), { code: failOn.code });
          return write(data);
        },
      });
      return handle;
    },
  };
});

const { setNumVfs } = await import('../../lib/sriov/set-num-vfs.js');

describe('setNumVfs writes', () => {
  let fx: SysfsBuilder;
  beforeEach(() => {
    fx = tempFixture('connectx5');
    seen.length = 0;
    failOn = undefined;
  });
  afterEach(() => fx.dispose());

  it('writes "0\\n" then the new count to sriov_numvfs, in that order', async () => {
    await setNumVfs('0000:3b:00.0', 3, { sysfsRoot: fx.root });
    expect(seen.map((w) => w.data)).toEqual(['0\n', '3\n']);
    expect(seen.every((w) => w.path.endsWith('0000:3b:00.0/sriov_numvfs'))).toBe(true);
  });

  it('writes once from 0', async () => {
    await setNumVfs('0000:3b:00.1', 2, { sysfsRoot: fx.root });
    expect(seen.map((w) => w.data)).toEqual(['2\n']);
  });

  it('says the old VFs are gone when the second write is refused', async () => {
    failOn = { data: '3\n', code: 'ENOMEM' };
    const err: unknown = await setNumVfs('0000:3b:00.0', 3, { sysfsRoot: fx.root }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ name: 'SriovWriteError', code: 'ENOMEM', value: 3 });
    expect((err as Error).message).toContain('the 4 earlier VFs were already removed');
  });

  it('maps a refused first write (EBUSY: VFs assigned) without writing the count', async () => {
    failOn = { data: '0\n', code: 'EBUSY' };
    const err: unknown = await setNumVfs('0000:3b:00.0', 3, { sysfsRoot: fx.root }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'EBUSY', errno: 16 });
    expect(seen.map((w) => w.data)).toEqual(['0\n']);
  });

  it('maps EPERM to ERR_PERMISSION', async () => {
    failOn = { data: '2\n', code: 'EPERM' };
    const err: unknown = await setNumVfs('0000:3b:00.1', 2, { sysfsRoot: fx.root }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_PERMISSION', errnoCode: 'EPERM' });
  });
});
