import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverSriov } from '../../lib/sriov/discover.js';
import type { SriovTopology } from '../../lib/sriov/types.js';
import { tempFixture, type SysfsBuilder } from './fixtures/index.js';

describe('discoverSriov on a host without SR-IOV', () => {
  let fx: SysfsBuilder;
  let t: SriovTopology;
  beforeAll(() => {
    fx = tempFixture('no-sriov');
    t = discoverSriov({ sysfsRoot: fx.root });
  });
  afterAll(() => fx.dispose());

  it('has no physical functions and no warnings', () => {
    expect(t.physicalFunctions).toEqual([]);
    expect(t.warnings).toEqual([]);
  });

  it('lists the InfiniBand HCA as another RDMA function, and not the plain NIC', () => {
    expect(t.otherFunctions.map((f) => f.pciAddress)).toEqual(['0000:5e:00.0']);
    expect(t.otherFunctions[0]).toMatchObject({ driver: 'mlx5_core', numaNode: 1, iommuGroup: '12', netdevs: ['ib0'], classId: '0x020700' });
  });

  it('reads the InfiniBand port: LID, IB GID type and the P_Key table with membership', () => {
    const port = t.otherFunctions[0]?.rdmaDevices[0]?.ports[0];
    expect(port).toMatchObject({ linkLayer: 'InfiniBand', stateName: 'ACTIVE', lid: 0x12, rate: '100 Gb/sec (4X EDR)' });
    expect(port?.gids).toEqual([{ index: 0, gid: 'fe80::248a:703:49:d4f0', type: 'IB' }]);
    expect(port?.pkeys).toEqual([
      { index: 0, pkey: '0xffff', membership: 'full' },
      { index: 1, pkey: '0x8001', membership: 'full' },
      { index: 2, pkey: '0x0002', membership: 'limited' },
    ]);
  });
});
