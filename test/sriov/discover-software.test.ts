import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverSriov } from '../../lib/sriov/discover.js';
import type { SriovTopology } from '../../lib/sriov/types.js';
import { tempFixture, type SysfsBuilder } from './fixtures/index.js';

describe('discoverSriov with software RDMA devices', () => {
  let fx: SysfsBuilder;
  let t: SriovTopology;
  beforeAll(() => {
    fx = tempFixture('rxe');
    t = discoverSriov({ sysfsRoot: fx.root });
  });
  afterAll(() => fx.dispose());

  it('reports rxe0 over its parent netdev, with its RoCEv2 GIDs', () => {
    const rxe = t.softwareDevices.find((d) => d.name === 'rxe0');
    expect(rxe).toMatchObject({ driver: 'rxe', netdev: 'eth0', nodeGuid: '505400fffe123456' });
    expect(rxe?.ports[0]?.gids).toEqual([
      { index: 0, gid: 'fe80::5054:ff:fe12:3456', type: 'RoCEv2', netdev: 'eth0' },
      { index: 1, gid: '::ffff:10.99.0.1', type: 'RoCEv2', netdev: 'eth0' },
    ]);
  });

  it('reports siw0, whose device link is a netdev, over that netdev', () => {
    expect(t.softwareDevices.find((d) => d.name === 'siw0')).toMatchObject({ driver: 'siw', netdev: 'lo', nodeType: 'RNIC' });
  });

  it('lists no PCI functions: the virtio NIC has no RDMA device', () => {
    expect(t.physicalFunctions).toEqual([]);
    expect(t.otherFunctions).toEqual([]);
    expect(t.warnings).toEqual([]);
  });
});

describe('discoverSriov with siw on a PCI NIC', () => {
  let fx: SysfsBuilder;
  afterAll(() => fx.dispose());

  it('lists siw with the software devices, not as the NIC\'s RDMA device', () => {
    fx = tempFixture('no-sriov');
    const nic = 'devices/pci0000:00/0000:00:1f.6';
    fx.ibdev(`${nic}/infiniband/siw_eno1`, {
      name: 'siw_eno1', nodeGuid: '0000:0000:0000:0000', nodeType: '4: RNIC',
      ports: [{ linkLayer: 'Ethernet', state: '4: ACTIVE' }],
    }).link(`${nic}/infiniband/siw_eno1/device`, nic).link('class/infiniband/siw_eno1', `${nic}/infiniband/siw_eno1`);
    const t = discoverSriov({ sysfsRoot: fx.root });
    expect(t.otherFunctions.map((f) => f.pciAddress)).toEqual(['0000:5e:00.0']);
    expect(t.softwareDevices.map((d) => [d.name, d.driver])).toEqual([['siw_eno1', 'siw']]);
  });
});
