import { describe, expect, it } from 'vitest';
import { tempFixture } from '../sriov/fixtures/index.js';
import { jsonOf, runVrdma } from './run-vrdma.js';

interface DevicesJson {
  providers: { name: string; available: boolean; reason?: string }[];
  devices: { name: string; provider: string; guid: string; transport: string; port?: { stateName: string; pkeyTblLen: number }; gids?: unknown[]; pkeys?: number[]; error?: { code: string; message: string } }[];
}

describe('vrdma devices', () => {
  it('--json --brief lists the providers and their devices without opening them', () => {
    const r = runVrdma(['devices', '--json', '--brief']);
    expect(r.code, r.stderr).toBe(0);
    const d = jsonOf(r) as DevicesJson;
    expect(d.providers.map((p) => p.name).sort()).toEqual(['loopback', 'native']);
    for (const p of d.providers) {
      expect(typeof p.available).toBe('boolean');
      if (!p.available) expect(p.reason).toBeTruthy();
    }
    for (const dev of d.devices) {
      expect(dev).toMatchObject({ name: expect.any(String), provider: expect.stringMatching(/^(native|loopback)$/), guid: expect.stringMatching(/^[0-9a-f]{16}$/), transport: expect.any(String) });
      expect(dev.port).toBeUndefined();
    }
  });

  it('--json opens each device: port 1 and GIDs, or the error', () => {
    const r = runVrdma(['devices', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const d = jsonOf(r) as DevicesJson;
    for (const dev of d.devices) {
      if (dev.error) expect(dev.error.code).toMatch(/^[A-Z_0-9]+$/);
      else {
        expect(dev.port?.stateName).toEqual(expect.any(String));
        expect(Array.isArray(dev.gids)).toBe(true);
        expect(dev.pkeys).toHaveLength(dev.port!.pkeyTblLen);
      }
    }
    if (d.providers.find((p) => p.name === 'loopback')?.available) {
      expect(d.devices.find((dev) => dev.name === 'loop0')?.pkeys).toEqual([0xffff]);
    }
  });

  it('shows the P_Key table of port 1, with membership', () => {
    const r = runVrdma(['devices']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/hca_id: loop0[\s\S]*PKEY\[  0\]:\s+0xffff \(full\)/);
  });

  it('prints text like ibv_devinfo, and takes --sysfs', () => {
    const fx = tempFixture('connectx5');
    try {
      const r = runVrdma(['devices', '--sysfs', fx.root]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Providers:\n {4}native/);
      expect(r.stdout).toMatch(/hca_id: |No RDMA devices found\./);
    } finally {
      fx.dispose();
    }
  });
});
