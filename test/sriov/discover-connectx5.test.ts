import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverSriov } from '../../lib/sriov/discover.js';
import type { SriovTopology } from '../../lib/sriov/types.js';
import { tempFixture, type SysfsBuilder } from './fixtures/index.js';

describe('discoverSriov on a ConnectX-5 host with four VFs', () => {
  let fx: SysfsBuilder;
  let t: SriovTopology;
  beforeAll(() => {
    fx = tempFixture('connectx5');
    t = discoverSriov({ sysfsRoot: fx.root });
  });
  afterAll(() => fx.dispose());

  it('finds both PFs in address order, with no warnings', () => {
    expect(t.sysfsRoot).toBe(fx.root);
    expect(t.physicalFunctions.map((p) => p.pciAddress)).toEqual(['0000:3b:00.0', '0000:3b:00.1']);
    expect(t.otherFunctions).toEqual([]);
    expect(t.softwareDevices).toEqual([]);
    expect(t.warnings).toEqual([]);
  });

  it('reads the PF: ids, driver, NUMA, IOMMU group, SR-IOV counts, RDMA device and netdev', () => {
    const pf = t.physicalFunctions[0];
    expect(pf).toMatchObject({
      pciAddress: '0000:3b:00.0', vendorId: '0x15b3', deviceId: '0x1017', classId: '0x020000',
      driver: 'mlx5_core', assignedToVm: false, numaNode: 0, iommuGroup: '87',
      totalVfs: 8, numVfs: 4, vfDeviceId: '0x1018', netdevs: ['ens1f0'],
    });
    expect(pf?.rdmaDevices.map((d) => d.name)).toEqual(['mlx5_0']);
    expect(pf?.rdmaDevices[0]).toMatchObject({ nodeGuid: '0c42a1030065b1e2', nodeType: 'CA', fwVer: '16.35.2000' });
  });

  it('lists the VFs by index with their PF, drivers and vfio-pci assignment', () => {
    const vfs = t.physicalFunctions[0]?.vfs ?? [];
    expect(vfs.map((v) => [v.vfIndex, v.pciAddress, v.pf, v.deviceId, v.driver, v.assignedToVm])).toEqual([
      [0, '0000:3b:00.2', '0000:3b:00.0', '0x1018', 'mlx5_core', false],
      [1, '0000:3b:00.3', '0000:3b:00.0', '0x1018', 'mlx5_core', false],
      [2, '0000:3b:00.4', '0000:3b:00.0', '0x1018', 'vfio-pci', true],
      [3, '0000:3b:00.5', '0000:3b:00.0', '0x1018', 'vfio-pci', true],
    ]);
    expect(vfs.map((v) => v.iommuGroup)).toEqual(['90', '91', '92', '93']);
  });

  it('gives mlx5_core VFs their RDMA device and netdev, vfio-pci VFs none', () => {
    const vfs = t.physicalFunctions[0]?.vfs ?? [];
    expect(vfs.map((v) => v.rdmaDevices.map((d) => d.name))).toEqual([['mlx5_2'], ['mlx5_3'], [], []]);
    expect(vfs.map((v) => v.netdevs)).toEqual([['ens1f0v0'], ['ens1f0v1'], [], []]);
    expect(vfs[0]?.rdmaDevices[0]?.nodeGuid).toBe('525400c0fe123400');
  });

  it('reads ports: link layer, state, GIDs with type and netdev, P_Keys', () => {
    const port = t.physicalFunctions[0]?.vfs[0]?.rdmaDevices[0]?.ports[0];
    expect(port).toMatchObject({ port: 1, linkLayer: 'Ethernet', state: 4, stateName: 'ACTIVE', physState: 'LinkUp', lid: 0 });
    expect(port?.gids).toEqual([
      { index: 0, gid: 'fe80::5054:ff:fe12:3400', type: 'RoCEv1', netdev: 'ens1f0v0' },
      { index: 1, gid: 'fe80::5054:ff:fe12:3400', type: 'RoCEv2', netdev: 'ens1f0v0' },
      { index: 2, gid: '::ffff:192.168.10.11', type: 'RoCEv1', netdev: 'ens1f0v0' },
      { index: 3, gid: '::ffff:192.168.10.11', type: 'RoCEv2', netdev: 'ens1f0v0' },
    ]);
    expect(port?.pkeys).toEqual([{ index: 0, pkey: '0xffff', membership: 'full' }]);
    expect(t.physicalFunctions[0]?.vfs[1]?.rdmaDevices[0]?.ports[0]?.stateName).toBe('DOWN');
  });

  it('reports the second PF with SR-IOV but no VFs', () => {
    expect(t.physicalFunctions[1]).toMatchObject({ pciAddress: '0000:3b:00.1', totalVfs: 8, numVfs: 0, vfs: [] });
  });

  it('is plain JSON data', () => {
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });

  it('reads VRDMA_SYSFS when no root is given', () => {
    const saved = process.env['VRDMA_SYSFS'];
    process.env['VRDMA_SYSFS'] = fx.root;
    try {
      expect(discoverSriov().physicalFunctions).toHaveLength(2);
    } finally {
      if (saved === undefined) delete process.env['VRDMA_SYSFS'];
      else process.env['VRDMA_SYSFS'] = saved;
    }
  });
});
