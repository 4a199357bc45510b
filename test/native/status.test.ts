// Runs everywhere (host and VM): the provider reports whether it can be
// used, and why not, consistently with whether the addon loads.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listDevices, openDevice, providerStatus, RdmaError } from '../../lib/index.js';
import { describeLoadError, loadAddon, loadAddonFrom, nativeProvider, transportName } from '../../lib/providers/native/index.js';

describe('native provider status', () => {
  it('reports available/unavailable consistently with the addon load', () => {
    const native = providerStatus().find((s) => s.name === 'native');
    expect(native).toBeDefined();
    const load = loadAddon();
    if (!load.ok) {
      expect(native!.available).toBe(false);
      expect(native!.reason).toBe(load.reason);
      expect(native!.reason).toMatch(/addon not built|not found|rebuild/);
      expect(nativeProvider.listDevices()).toEqual([]);
    } else if (native!.available) {
      expect(native!.reason).toBeUndefined();
      expect(nativeProvider.listDevices().length).toBeGreaterThan(0);
    } else {
      // The addon loads but libibverbs sees no device (a kernel without RDMA, or no driver).
      expect(native!.reason).toMatch(/RDMA/);
      expect(native!.reason).toMatch(/rdma link add|driver/);
      expect(nativeProvider.listDevices()).toEqual([]);
    }
    expect(providerStatus().find((s) => s.name === 'loopback')?.available).toBe(true);
  });

  it('openDevice of a missing native device fails with ERR_NO_DEVICE naming the device and the reason', async () => {
    const names = listDevices().map((d) => d.name);
    const missing = names.includes('rxe0') ? 'rxe9' : 'rxe0';
    const err = await openDevice(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RdmaError);
    expect((err as RdmaError).code).toBe('ERR_NO_DEVICE');
    expect((err as RdmaError).message).toContain(`"${missing}"`);
    expect((err as RdmaError).message).toContain('loop0');
    const native = nativeProvider.status();
    if (!native.available) expect((err as RdmaError).message).toContain(native.reason!);
  });

  it('the loopback device keeps working whatever the native status', async () => {
    const ctx = await openDevice('loop0', { hub: false });
    expect(ctx.device.provider).toBe('loopback');
    ctx.close();
  });

  it('a missing addon file reads "addon not built"', () => {
    const r = loadAddonFrom(['/nonexistent/build/Release/vrdma.node']);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^addon not built: .*npm rebuild vrdma/);
  });

  it('a broken addon file says to rebuild', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vrdma-addon-'));
    const path = join(dir, 'vrdma.node');
    writeFileSync(path, 'not an ELF file');
    const r = loadAddonFrom([path]);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/failed to load .*npm run build:native/);
  });

  it('explains load errors in words that say what to install', () => {
    expect(describeLoadError('libibverbs.so.1: cannot open shared object file: No such file or directory', '/x/vrdma.node'))
      .toBe('libibverbs.so.1 not found: apt-get install libibverbs1 ibverbs-providers (rdma-core\'s libibverbs, which the addon links to)');
    expect(describeLoadError('The module was compiled against a different Node.js version using NODE_MODULE_VERSION 115', '/x/vrdma.node'))
      .toMatch(/built for another Node\.js: rebuild/);
    expect(describeLoadError('/x/vrdma.node: undefined symbol: ibv_query_gid_ex', '/x/vrdma.node')).toMatch(/does not match the installed libibverbs/);
  });

  it('names transports from node type, transport type and link layer', () => {
    expect(transportName(0, 1, 'InfiniBand')).toBe('InfiniBand');
    expect(transportName(0, 1, 'Ethernet')).toBe('RoCE');
    expect(transportName(1, 4, undefined)).toBe('iWARP');
    expect(transportName(3, 6, undefined)).toBe('usNIC');
  });
});
