import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { VerbsError } from '../../lib/index.js';
import { nativeAddon } from '../../lib/providers/native/provider.js';

const loaded = nativeAddon();
const addon = 'addon' in loaded ? loaded.addon : null;

function freshName(): string {
  return `/vrdma-test-${process.pid}-${randomBytes(6).toString('hex')}`;
}

// Named shared memory needs no RDMA device: these run wherever the addon loads.
describe.skipIf(addon === null)('addon: named shared memory', () => {
  const a = addon!;

  it('an object created here and mapped again by name shows the same bytes both ways; unlinking removes the name only', () => {
    const name = freshName();
    const mine = new Uint8Array(a.shmCreate(name, 10_000));
    expect(mine.byteLength).toBe(10_000);
    expect(mine.every((b) => b === 0)).toBe(true);
    expect(existsSync(`/dev/shm${name}`)).toBe(true);
    const other = new Uint8Array(a.shmMap(name, 10_000));
    mine[9_999] = 42;
    other[0] = 7;
    expect(other[9_999]).toBe(42);
    expect(mine[0]).toBe(7);
    expect(a.shmUnlink(name)).toBe(true);
    expect(existsSync(`/dev/shm${name}`)).toBe(false);
    expect(a.shmUnlink(name)).toBe(false);
    other[1] = 9;
    expect(mine[1]).toBe(9);
  });

  it('errors are VerbsErrors naming the call and the errno: a name taken, a name missing, an object smaller than asked', () => {
    const name = freshName();
    a.shmCreate(name, 4096);
    try {
      expect(() => a.shmCreate(name, 4096)).toThrow(expect.objectContaining({ verb: 'shm_open', errno: 17 }));
      expect(() => a.shmMap(`${name}x`, 16)).toThrow(expect.objectContaining({ verb: 'shm_open', errno: 2 }));
      let err: unknown;
      try {
        a.shmMap(name, 8192);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(VerbsError);
      expect((err as VerbsError).errno).toBe(22);
      expect((err as Error).message).toMatch(/fewer than the 8192 asked for/);
    } finally {
      a.shmUnlink(name);
    }
  });

  it('bad names and sizes are refused before any system call', () => {
    expect(() => a.shmCreate('no-slash', 16)).toThrow(TypeError);
    expect(() => a.shmCreate('/a/b', 16)).toThrow(TypeError);
    expect(() => a.shmCreate(freshName(), 0)).toThrow(RangeError);
    expect(() => a.shmMap(freshName(), 1.5)).toThrow(RangeError);
  });

  it('shmUnlinkOwned removes every name this thread still holds', () => {
    const names = [freshName(), freshName()];
    for (const n of names) a.shmCreate(n, 100);
    a.shmUnlinkOwned();
    for (const n of names) expect(existsSync(`/dev/shm${n}`)).toBe(false);
  });
});
