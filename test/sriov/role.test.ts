import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sriovRoleOfRdmaDevice } from '../../lib/sriov/role.js';
import { tempFixture, type SysfsBuilder } from './fixtures/index.js';

describe('sriovRoleOfRdmaDevice', () => {
  const fx: Partial<Record<'cx5' | 'nos' | 'rxe' | 'bad', SysfsBuilder>> = {};
  beforeAll(() => {
    fx.cx5 = tempFixture('connectx5');
    fx.nos = tempFixture('no-sriov');
    fx.rxe = tempFixture('rxe');
    fx.bad = tempFixture('malformed');
  });
  afterAll(() => Object.values(fx).forEach((b) => b?.dispose()));

  it('gives a VF its PF and index', () => {
    expect(sriovRoleOfRdmaDevice('mlx5_2', fx.cx5?.root)).toEqual({ role: 'vf', pciAddress: '0000:3b:00.2', pf: '0000:3b:00.0', vfIndex: 0 });
    expect(sriovRoleOfRdmaDevice('mlx5_3', fx.cx5?.root)).toMatchObject({ role: 'vf', vfIndex: 1 });
  });

  it('gives a PF its counts and VF addresses', () => {
    expect(sriovRoleOfRdmaDevice('mlx5_0', fx.cx5?.root)).toEqual({
      role: 'pf', pciAddress: '0000:3b:00.0', totalVfs: 8, numVfs: 4,
      vfs: ['0000:3b:00.2', '0000:3b:00.3', '0000:3b:00.4', '0000:3b:00.5'],
    });
    expect(sriovRoleOfRdmaDevice('mlx5_1', fx.cx5?.root)).toEqual({ role: 'pf', pciAddress: '0000:3b:00.1', totalVfs: 8, numVfs: 0, vfs: [] });
  });

  it('gives a PCI device without SR-IOV role none with its address', () => {
    expect(sriovRoleOfRdmaDevice('mlx5_0', fx.nos?.root)).toEqual({ role: 'none', pciAddress: '0000:5e:00.0' });
  });

  it('gives software devices and unknown names undefined', () => {
    expect(sriovRoleOfRdmaDevice('rxe0', fx.rxe?.root)).toBeUndefined();
    expect(sriovRoleOfRdmaDevice('siw0', fx.rxe?.root)).toBeUndefined();
    expect(sriovRoleOfRdmaDevice('mlx5_7', fx.cx5?.root)).toBeUndefined();
    expect(sriovRoleOfRdmaDevice('../../etc', fx.cx5?.root)).toBeUndefined();
    expect(sriovRoleOfRdmaDevice('', fx.cx5?.root)).toBeUndefined();
    expect(sriovRoleOfRdmaDevice('mlx5_0', '/nonexistent/sysfs')).toBeUndefined();
  });

  it('never throws, whatever it is given', () => {
    const bad: unknown[] = [undefined, null, 42, {}, 'a/b', 'x'.repeat(1000)];
    for (const v of bad) expect(() => sriovRoleOfRdmaDevice(v as string, fx.cx5?.root)).not.toThrow();
    expect(sriovRoleOfRdmaDevice('mlx5_9', fx.bad?.root)).toBeUndefined();
  });

  it('on a damaged tree: a VF without physfn is role none', () => {
    expect(sriovRoleOfRdmaDevice('mlx5_3', fx.bad?.root)).toEqual({ role: 'none', pciAddress: '0000:3b:00.3' });
  });

  it('finds the VF index from sriov_offset/stride when the virtfn link is gone', () => {
    const b = tempFixture('connectx5');
    try {
      rmSync(b.path('devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/virtfn1'));
      expect(sriovRoleOfRdmaDevice('mlx5_3', b.root)).toMatchObject({ role: 'vf', vfIndex: 1 });
    } finally {
      b.dispose();
    }
  });

  it('uses VRDMA_SYSFS by default', () => {
    const saved = process.env['VRDMA_SYSFS'];
    process.env['VRDMA_SYSFS'] = fx.cx5?.root ?? '';
    try {
      expect(sriovRoleOfRdmaDevice('mlx5_2')).toMatchObject({ role: 'vf' });
    } finally {
      if (saved === undefined) delete process.env['VRDMA_SYSFS'];
      else process.env['VRDMA_SYSFS'] = saved;
    }
  });
});
