import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverSriov } from '../../lib/sriov/discover.js';
import { SysfsNotFoundError } from '../../lib/sriov/errors/sysfs-not-found-error.js';
import { RdmaError } from '../../lib/errors/rdma-error.js';
import type { SriovTopology } from '../../lib/sriov/types.js';
import { SysfsBuilder, tempFixture } from './fixtures/index.js';

describe('discoverSriov on a damaged tree', () => {
  let fx: SysfsBuilder;
  let t: SriovTopology;
  beforeAll(() => {
    fx = tempFixture('malformed');
    t = discoverSriov({ sysfsRoot: fx.root });
  });
  afterAll(() => fx.dispose());

  it('still reports what it can read', () => {
    expect(t.physicalFunctions.map((p) => p.pciAddress)).toEqual(['0000:3b:00.0', '0000:3b:00.1', '0000:d8:00.0']);
    const pf = t.physicalFunctions[0];
    expect(pf?.vfs.map((v) => v.pciAddress)).toEqual(['0000:3b:00.2', '0000:3b:00.3', '0000:3b:00.4', '0000:3b:00.5']);
  });

  it('skips a dangling bus/pci/devices link and a dangling virtfn link, with warnings', () => {
    expect(t.warnings).toContain('bus/pci/devices/0000:af:00.0 is a dangling link; skipped');
    expect(t.warnings).toContain('0000:3b:00.0: virtfn4 points to 0000:3b:00.6, which does not exist; skipped');
  });

  it('keeps a VF whose physfn link is missing, and says so', () => {
    expect(t.warnings).toContain('0000:3b:00.3: physfn is missing, expected 0000:3b:00.0');
    expect(t.physicalFunctions[0]?.vfs[1]).toMatchObject({ pciAddress: '0000:3b:00.3', vfIndex: 1, pf: '0000:3b:00.0' });
  });

  it('leaves out unreadable and malformed SR-IOV counts', () => {
    const pf1 = t.physicalFunctions[1];
    expect(pf1?.totalVfs).toBeUndefined();
    expect(pf1?.numVfs).toBeUndefined();
    expect(t.warnings.some((w) => w.startsWith('0000:3b:00.1: cannot read') && w.includes('sriov_totalvfs (EISDIR)'))).toBe(true);
    expect(t.warnings.some((w) => w.includes('sriov_numvfs holds "many", not an integer'))).toBe(true);
  });

  it('reports a bare PF with only sriov_totalvfs', () => {
    expect(t.physicalFunctions[2]).toEqual({ pciAddress: '0000:d8:00.0', assignedToVm: false, rdmaDevices: [], netdevs: [], totalVfs: 16, vfs: [] });
    expect(t.warnings).toContain('0000:d8:00.0: has sriov_totalvfs but no sriov_numvfs');
  });

  it('leaves out an unreadable port state and a malformed GUID', () => {
    const mlx52 = t.physicalFunctions[0]?.vfs[0]?.rdmaDevices[0];
    expect(mlx52?.ports[0]?.state).toBeUndefined();
    expect(mlx52?.ports[0]?.linkLayer).toBe('Ethernet');
    expect(t.warnings).toContain('cannot read class/infiniband/mlx5_2/ports/1/state (EISDIR)');
    expect(t.physicalFunctions[0]?.vfs[1]?.rdmaDevices[0]?.nodeGuid).toBeUndefined();
    expect(t.warnings).toContain('class/infiniband/mlx5_3/node_guid holds "not-a-guid", not a GUID');
  });

  it('puts a VF its PF does not list with the other functions', () => {
    expect(t.otherFunctions.map((f) => f.pciAddress)).toEqual(['0000:3b:00.7']);
    expect(t.warnings).toContain('0000:3b:00.7: a VF of 0000:3b:00.0, but 0000:3b:00.0 does not list it');
  });

  it('skips a dangling class/infiniband link', () => {
    expect(t.warnings).toContain('class/infiniband/mlx5_9 is a dangling link; skipped');
    expect(t.softwareDevices).toEqual([]);
  });

  it('uses no absolute paths in warnings', () => {
    for (const w of t.warnings) expect(w).not.toContain(fx.root);
  });
});

describe('discoverSriov on odd roots', () => {
  const made: SysfsBuilder[] = [];
  afterAll(() => made.forEach((b) => b.dispose()));

  it('throws SysfsNotFoundError (ERR_NO_SYSFS) for a missing root', () => {
    let err: unknown;
    try {
      discoverSriov({ sysfsRoot: '/nonexistent/vrdma-sysfs' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SysfsNotFoundError);
    expect(err).toBeInstanceOf(RdmaError);
    expect(err).toMatchObject({ code: 'ERR_NO_SYSFS', sysfsRoot: '/nonexistent/vrdma-sysfs' });
    expect((err as Error).message).toContain('does not exist');
  });

  it('throws ERR_NO_SYSFS for a directory that is not a sysfs tree', () => {
    const b = SysfsBuilder.temp();
    made.push(b);
    b.file('hello.txt', 'hi');
    expect(() => discoverSriov({ sysfsRoot: b.root })).toThrow(/has neither bus\/pci\/devices nor class\/infiniband/);
  });

  it('gives an empty result for an empty but valid tree', () => {
    const b = SysfsBuilder.temp();
    made.push(b);
    b.dir('bus/pci/devices');
    expect(discoverSriov({ sysfsRoot: b.root })).toEqual({
      sysfsRoot: b.root, physicalFunctions: [], otherFunctions: [], softwareDevices: [], warnings: [],
    });
  });

  it('copes with files where directories are expected and odd names', () => {
    const b = SysfsBuilder.temp();
    made.push(b);
    b.file('bus/pci/devices/not-an-address', 'x');
    b.file('class/infiniband/rxe0', 'a file, not a device');
    b.pciFunction({ parent: 'devices/pci0000:00', address: '0000:00:05.0', vendor: '0x15b3', device: '0x1017', sriov: { totalVfs: 2, numVfs: 1 } });
    b.file('devices/pci0000:00/0000:00:05.0/virtfn0', 'not a link');
    mkdirSync(join(b.root, 'devices/pci0000:00/0000:00:05.0/infiniband/mlx5_0'), { recursive: true });
    const t = discoverSriov({ sysfsRoot: b.root });
    expect(t.physicalFunctions).toHaveLength(1);
    expect(t.physicalFunctions[0]?.vfs).toEqual([]);
    expect(t.physicalFunctions[0]?.rdmaDevices).toEqual([{ name: 'mlx5_0', ports: [] }]);
    expect(t.warnings).toEqual(expect.arrayContaining([
      'bus/pci/devices/not-an-address is not named like a PCI address; skipped',
      'class/infiniband/rxe0 is not a directory; skipped',
      '0000:00:05.0: devices/pci0000:00/0000:00:05.0/virtfn0 is not a link to a PCI function',
      '0000:00:05.0: sriov_numvfs is 1 but 0 VF(s) were found',
    ]));
  });
});
