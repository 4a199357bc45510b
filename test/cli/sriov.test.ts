import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SriovTopology } from '../../lib/sriov/types.js';
import { tempFixture, type SysfsBuilder } from '../sriov/fixtures/index.js';
import { jsonOf, runVrdma } from './run-vrdma.js';

describe('vrdma sriov', () => {
  let cx5: SysfsBuilder;
  let bad: SysfsBuilder;
  let rxe: SysfsBuilder;
  beforeAll(() => {
    cx5 = tempFixture('connectx5');
    bad = tempFixture('malformed');
    rxe = tempFixture('rxe');
  });
  afterAll(() => [cx5, bad, rxe].forEach((b) => b.dispose()));

  it('--json prints the topology: PF with four indexed VFs, drivers, RDMA devices', () => {
    const r = runVrdma(['sriov', '--json', '--sysfs', cx5.root]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const t = jsonOf(r) as SriovTopology;
    expect(Object.keys(t)).toEqual(['sysfsRoot', 'physicalFunctions', 'otherFunctions', 'softwareDevices', 'warnings']);
    expect(t.physicalFunctions).toHaveLength(2);
    const pf = t.physicalFunctions[0];
    expect(pf).toMatchObject({ pciAddress: '0000:3b:00.0', totalVfs: 8, numVfs: 4, driver: 'mlx5_core' });
    expect(pf?.vfs.map((v) => [v.vfIndex, v.pciAddress, v.driver, v.assignedToVm, v.rdmaDevices.map((d) => d.name), v.netdevs])).toEqual([
      [0, '0000:3b:00.2', 'mlx5_core', false, ['mlx5_2'], ['ens1f0v0']],
      [1, '0000:3b:00.3', 'mlx5_core', false, ['mlx5_3'], ['ens1f0v1']],
      [2, '0000:3b:00.4', 'vfio-pci', true, [], []],
      [3, '0000:3b:00.5', 'vfio-pci', true, [], []],
    ]);
  });

  it('prints a text tree', () => {
    const r = runVrdma(['sriov', '--sysfs', cx5.root]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0000:3b:00.0  ConnectX-5 [15b3:1017]  mlx5_core  NUMA 0  IOMMU group 87  VFs 4/8');
    expect(r.stdout).toMatch(/├─ VF 0  0000:3b:00\.2  ConnectX-5 VF \[15b3:1018\]  mlx5_core/);
    expect(r.stdout).toMatch(/└─ VF 3  0000:3b:00\.5  ConnectX-5 VF \[15b3:1018\]  vfio-pci \(assigned to a VM\)/);
    expect(r.stdout).toContain('rdma mlx5_2  node GUID 5254:00c0:fe12:3400');
    expect(r.stdout).toContain('gid 3  ::ffff:192.168.10.11  RoCEv2  ens1f0v0');
  });

  it('reads VRDMA_SYSFS when --sysfs is not given', () => {
    const r = runVrdma(['sriov', '--json'], { VRDMA_SYSFS: cx5.root });
    expect(r.code).toBe(0);
    expect((jsonOf(r) as SriovTopology).sysfsRoot).toBe(cx5.root);
  });

  it('shows software devices', () => {
    const r = runVrdma(['--json', 'sriov', '--sysfs', rxe.root]);
    expect((jsonOf(r) as SriovTopology).softwareDevices.map((d) => [d.name, d.driver, d.netdev])).toEqual([
      ['rxe0', 'rxe', 'eth0'], ['siw0', 'siw', 'lo'],
    ]);
    expect(runVrdma(['sriov', '--sysfs', rxe.root]).stdout).toContain('rdma rxe0  rxe over eth0');
  });

  it('on a damaged tree succeeds, with warnings on stderr (text) or in the document (--json)', () => {
    const text = runVrdma(['sriov', '--sysfs', bad.root]);
    expect(text.code).toBe(0);
    expect(text.stderr).toContain('warning: bus/pci/devices/0000:af:00.0 is a dangling link; skipped');
    const json = runVrdma(['sriov', '--json', '--sysfs', bad.root]);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    expect((jsonOf(json) as SriovTopology).warnings.length).toBeGreaterThan(5);
  });

  it('fails with exit 1 and ERR_NO_SYSFS for a missing sysfs', () => {
    const text = runVrdma(['sriov', '--sysfs', '/nonexistent/vrdma']);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(/^vrdma: \/nonexistent\/vrdma is not a sysfs tree: it does not exist \[ERR_NO_SYSFS\]/);
    const json = runVrdma(['sriov', '--json', '--sysfs', '/nonexistent/vrdma']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: 'ERR_NO_SYSFS', message: expect.stringContaining('does not exist') } });
  });

  it('rejects an unknown subcommand with exit 2', () => {
    expect(runVrdma(['sriov', 'frobnicate', '--sysfs', cx5.root]).code).toBe(2);
  });
});

describe('vrdma sriov set', () => {
  let fx: SysfsBuilder;
  beforeAll(() => {
    fx = tempFixture('connectx5');
  });
  afterAll(() => fx.dispose());
  const numvfs = (): string =>
    readFileSync(fx.path('devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/sriov_numvfs'), 'utf8').trim();

  it('changes the count through 0 and reports it', () => {
    const r = runVrdma(['sriov', 'set', '0000:3b:00.0', '2', '--json', '--sysfs', fx.root]);
    expect(r.code).toBe(0);
    expect(jsonOf(r)).toEqual({ pciAddress: '0000:3b:00.0', previous: 4, numVfs: 2, writes: [0, 2] });
    expect(numvfs()).toBe('2');
    const text = runVrdma(['sriov', 'set', '3b:00.0', '3', '--sysfs', fx.root]);
    expect(text.stdout).toBe('0000:3b:00.0: sriov_numvfs 2 -> 3 (wrote 0, then 3)\n');
    expect(runVrdma(['sriov', 'set', '3b:00.0', '3', '--sysfs', fx.root]).stdout).toContain('nothing written');
  });

  it('fails with exit 1 and the error code for each refusal', () => {
    const cases: [string[], string][] = [
      [['0000:3b:00.0', '9'], 'ERR_VF_LIMIT'],
      [['0000:99:00.0', '1'], 'ERR_NO_DEVICE'],
      [['0000:3b:00.2', '1'], 'ERR_NO_SRIOV'],
    ];
    for (const [args, code] of cases) {
      const r = runVrdma(['sriov', 'set', ...args, '--json', '--sysfs', fx.root]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stdout).toBe('');
      expect((JSON.parse(r.stderr) as { error: { code: string } }).error.code).toBe(code);
    }
    expect(numvfs()).toBe('3');
  });

  it('fails with exit 2 for a bad count or address, or missing arguments', () => {
    expect(runVrdma(['sriov', 'set', '0000:3b:00.0', 'many', '--sysfs', fx.root]).code).toBe(2);
    expect(runVrdma(['sriov', 'set', '0000:3b:00.0', '--sysfs', fx.root]).code).toBe(2);
    const r = runVrdma(['sriov', 'set', 'eth0', '1', '--sysfs', fx.root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[ERR_INVALID_ARG]');
  });
});
