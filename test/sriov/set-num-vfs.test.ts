import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setNumVfs } from '../../lib/sriov/set-num-vfs.js';
import { toSriovWriteError } from '../../lib/sriov/write-error.js';
import { InvalidArgumentError } from '../../lib/errors/invalid-argument-error.js';
import { RdmaError } from '../../lib/errors/rdma-error.js';
import {
  NoSriovError, PciDeviceNotFoundError, SriovPermissionError, SriovWriteError, VfLimitError,
} from '../../lib/sriov/errors/index.js';
import { SysfsBuilder, tempFixture } from './fixtures/index.js';

const PF0 = 'devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0';
const PF1 = 'devices/pci0000:3a/0000:3a:00.0/0000:3b:00.1';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('setNumVfs against a fixture', () => {
  let fx: SysfsBuilder;
  beforeEach(() => {
    fx = tempFixture('connectx5');
  });
  afterEach(() => fx.dispose());
  const numvfs = (pf: string): string => readFileSync(fx.path(`${pf}/sriov_numvfs`), 'utf8').trim();

  it('enables VFs from 0 with one write', async () => {
    const r = await setNumVfs('0000:3b:00.1', 3, { sysfsRoot: fx.root });
    expect(r).toEqual({ pciAddress: '0000:3b:00.1', previous: 0, numVfs: 3, writes: [3] });
    expect(numvfs(PF1)).toBe('3');
  });

  it('goes through 0 when changing one non-zero count to another', async () => {
    const r = await setNumVfs('0000:3b:00.0', 2, { sysfsRoot: fx.root });
    expect(r).toEqual({ pciAddress: '0000:3b:00.0', previous: 4, numVfs: 2, writes: [0, 2] });
    expect(numvfs(PF0)).toBe('2');
  });

  it('disables with a single write of 0', async () => {
    expect((await setNumVfs('0000:3b:00.0', 0, { sysfsRoot: fx.root })).writes).toEqual([0]);
    expect(numvfs(PF0)).toBe('0');
  });

  it('writes nothing when the count is already right', async () => {
    expect((await setNumVfs('0000:3b:00.0', 4, { sysfsRoot: fx.root })).writes).toEqual([]);
  });

  it('takes the short address form and the maximum count', async () => {
    expect(await setNumVfs('3B:00.1', 8, { sysfsRoot: fx.root })).toMatchObject({ pciAddress: '0000:3b:00.1', numVfs: 8 });
  });

  it('uses VRDMA_SYSFS by default', async () => {
    const saved = process.env['VRDMA_SYSFS'];
    process.env['VRDMA_SYSFS'] = fx.root;
    try {
      expect((await setNumVfs('0000:3b:00.1', 1)).numVfs).toBe(1);
    } finally {
      if (saved === undefined) delete process.env['VRDMA_SYSFS'];
      else process.env['VRDMA_SYSFS'] = saved;
    }
  });

  it('rejects counts that are not non-negative integers (ERR_INVALID_ARG)', async () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity, '2' as unknown as number]) {
      const err = await rejection(setNumVfs('0000:3b:00.1', bad, { sysfsRoot: fx.root }));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err).toMatchObject({ code: 'ERR_INVALID_ARG', argument: 'count' });
    }
    expect(numvfs(PF1)).toBe('0');
  });

  it('rejects a malformed address (ERR_INVALID_ARG)', async () => {
    expect(await rejection(setNumVfs('eth0', 1, { sysfsRoot: fx.root }))).toMatchObject({ code: 'ERR_INVALID_ARG', argument: 'pciAddress' });
  });

  it('rejects more VFs than sriov_totalvfs (ERR_VF_LIMIT)', async () => {
    const err = await rejection(setNumVfs('0000:3b:00.1', 9, { sysfsRoot: fx.root }));
    expect(err).toBeInstanceOf(VfLimitError);
    expect(err).toBeInstanceOf(RdmaError);
    expect(err).toMatchObject({ code: 'ERR_VF_LIMIT', requested: 9, totalVfs: 8, pciAddress: '0000:3b:00.1' });
    expect((err as Error).message).toContain('at most 8');
    expect(numvfs(PF1)).toBe('0');
  });

  it('rejects an unknown device (ERR_NO_DEVICE)', async () => {
    const err = await rejection(setNumVfs('0000:99:00.0', 1, { sysfsRoot: fx.root }));
    expect(err).toBeInstanceOf(PciDeviceNotFoundError);
    expect(err).toMatchObject({ code: 'ERR_NO_DEVICE', pciAddress: '0000:99:00.0' });
  });

  it('rejects a VF, pointing at its PF (ERR_NO_SRIOV)', async () => {
    const err = await rejection(setNumVfs('0000:3b:00.2', 1, { sysfsRoot: fx.root }));
    expect(err).toBeInstanceOf(NoSriovError);
    expect(err).toMatchObject({ code: 'ERR_NO_SRIOV' });
    expect((err as Error).message).toContain('set the VF count on its physical function 0000:3b:00.0 instead');
  });

  it('rejects a device without SR-IOV (ERR_NO_SRIOV)', async () => {
    const nos = tempFixture('no-sriov');
    try {
      const err = await rejection(setNumVfs('0000:5e:00.0', 1, { sysfsRoot: nos.root }));
      expect(err).toBeInstanceOf(NoSriovError);
      expect((err as Error).message).toContain('no SR-IOV capability');
    } finally {
      nos.dispose();
    }
  });

  it('rejects a PF whose SR-IOV attributes cannot be read (ERR_NO_SRIOV)', async () => {
    const bad = tempFixture('malformed');
    try {
      expect(await rejection(setNumVfs('0000:3b:00.1', 1, { sysfsRoot: bad.root }))).toMatchObject({ code: 'ERR_NO_SRIOV' });
      expect(await rejection(setNumVfs('0000:d8:00.0', 1, { sysfsRoot: bad.root }))).toMatchObject({ code: 'ERR_NO_SRIOV' });
    } finally {
      bad.dispose();
    }
  });

  it('rejects a PF without sriov_numvfs and does not create it (ERR_NO_SRIOV)', async () => {
    rmSync(fx.path(`${PF1}/sriov_numvfs`));
    const err = await rejection(setNumVfs('0000:3b:00.1', 1, { sysfsRoot: fx.root }));
    expect(err).toMatchObject({ code: 'ERR_NO_SRIOV' });
    expect(existsSync(fx.path(`${PF1}/sriov_numvfs`))).toBe(false);
  });
});

describe('setNumVfs without permission', () => {
  let fx: SysfsBuilder;
  beforeEach(() => {
    fx = tempFixture('connectx5');
  });
  afterEach(() => fx.dispose());

  it('fails with ERR_PERMISSION and a fix when sriov_numvfs cannot be written', async () => {
    const file = fx.path(`${PF1}/sriov_numvfs`);
    chmodSync(file, 0o444);
    let err: { name?: string; code?: string; errnoCode?: string; hint?: string; message?: string };
    if (process.getuid?.() === 0) {
      // Root ignores file modes: try as nobody.
      const dist = fileURLToPath(new URL('../../dist/lib/sriov/set-num-vfs.js', import.meta.url));
      expect(existsSync(dist), 'run "npm run build" first').toBe(true);
      chmodSync(fx.root, 0o755);
      const script = `import { setNumVfs } from ${JSON.stringify(dist)};
try { await setNumVfs('0000:3b:00.1', 2, { sysfsRoot: ${JSON.stringify(fx.root)} }); console.log('{}'); }
catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, errnoCode: e.errnoCode, hint: e.hint, message: e.message })); }`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, cwd: '/', encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      err = JSON.parse(r.stdout) as typeof err;
    } else {
      err = (await rejection(setNumVfs('0000:3b:00.1', 2, { sysfsRoot: fx.root }))) as typeof err;
    }
    expect(err).toMatchObject({ name: 'SriovPermissionError', code: 'ERR_PERMISSION', errnoCode: 'EACCES' });
    expect(err.hint).toContain('root');
    expect(err.message).toContain(join(PF1, 'sriov_numvfs'));
    expect(readFileSync(file, 'utf8').trim()).toBe('0');
  });
});

describe('toSriovWriteError', () => {
  const sysErr = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: failed`), { code });

  it('maps EACCES, EPERM and EROFS to SriovPermissionError', () => {
    for (const code of ['EACCES', 'EPERM', 'EROFS']) {
      const e = toSriovWriteError(sysErr(code), '/sys/x/sriov_numvfs', 2);
      expect(e).toBeInstanceOf(SriovPermissionError);
      expect(e).toMatchObject({ code: 'ERR_PERMISSION', errnoCode: code, path: '/sys/x/sriov_numvfs' });
      expect((e as SriovPermissionError).hint).toMatch(/sudo|privileged/);
    }
  });

  it('maps other errnos to SriovWriteError with the errno name as code and a hint', () => {
    const busy = toSriovWriteError(sysErr('EBUSY'), '/sys/x/sriov_numvfs', 0);
    expect(busy).toBeInstanceOf(SriovWriteError);
    expect(busy).toMatchObject({ code: 'EBUSY', errno: 16, value: 0 });
    expect((busy as SriovWriteError).hint).toContain('vfio-pci');
    expect(toSriovWriteError(sysErr('ENOENT'), 'p', 1)).toMatchObject({ code: 'ENOENT', errno: 2 });
    expect((toSriovWriteError(sysErr('ENOENT'), 'p', 1) as SriovWriteError).hint).toContain('no driver');
    expect(toSriovWriteError(sysErr('EXDEV'), 'p', 1)).toMatchObject({ code: 'EXDEV', hint: 'see dmesg for what the driver reported' });
  });

  it('maps errors without an errno to ERR_SYSFS_WRITE', () => {
    const e = toSriovWriteError(new Error('odd'), 'p', 1);
    expect(e).toMatchObject({ code: 'ERR_SYSFS_WRITE' });
    expect(e.message).toContain('odd');
  });
});
