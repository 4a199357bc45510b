// `vrdma softroce` against fixture trees (sysfs, kernel modules) and a fake
// `rdma` tool: what status reports, the typed errors of up/down, argument
// errors, and the VM runner's refusal when QEMU is missing. No VM boots here.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SysfsBuilder, tempFixture } from '../sriov/fixtures/index.js';
import { buildModules } from './doctor-fixture.js';
import { jsonOf, runVrdma, type CliRun } from './run-vrdma.js';

const RELEASE = '6.1.0-99-amd64';
const RXE_KO = 'kernel/drivers/infiniband/sw/rxe/rdma_rxe.ko.xz';
const made: SysfsBuilder[] = [];
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'vrdma-softroce-'));
afterAll(() => {
  made.forEach((b) => b.dispose());
  rmSync(scratch, { recursive: true, force: true });
});

function keep(b: SysfsBuilder): SysfsBuilder {
  made.push(b);
  return b;
}

/** A machine whose kernel has no RDMA: one virtio NIC, eth0 up. */
function noRdmaSysfs(): string {
  const b = keep(SysfsBuilder.temp());
  b.pciFunction({ parent: 'devices/pci0000:00', address: '0000:00:03.0', vendor: '0x1af4', device: '0x1000', driver: 'virtio-pci' });
  b.file('devices/pci0000:00/0000:00:03.0/virtio0/net/eth0/operstate', 'up')
    .link('class/net/eth0', 'devices/pci0000:00/0000:00:03.0/virtio0/net/eth0');
  return b.root;
}

/** A fake `rdma` that logs its arguments and exits with `status` after printing `say` on stderr. */
function fakeRdma(status: number, say = ''): { tool: string; log: string } {
  const dir = mkdtempSync(join(scratch, 'rdma-'));
  const tool = join(dir, 'rdma');
  const log = join(dir, 'args');
  writeFileSync(tool, `#!/bin/sh\necho "$@" >>'${log}'\n${say ? `echo '${say}' >&2\n` : ''}exit ${status}\n`);
  chmodSync(tool, 0o755);
  return { tool, log };
}

function softroce(sysfs: string, args: readonly string[], o: { modules?: readonly string[]; env?: Record<string, string> } = {}): CliRun {
  const mods = buildModules(keep(SysfsBuilder.temp('vrdma-modules-')), RELEASE, o.modules ?? []);
  return runVrdma(['softroce', ...args, '--sysfs', sysfs], {
    VRDMA_PROCFS: join(scratch, 'no-proc'), VRDMA_MODULES_DIR: mods.root, VRDMA_KERNEL_RELEASE: RELEASE,
    VRDMA_CACHE_DIR: join(scratch, 'cache'), ...(o.env ?? {}),
  });
}

function errorOf(r: CliRun): { code: string; message: string; hint?: string } {
  return (JSON.parse(r.stderr) as { error: { code: string; message: string; hint?: string } }).error;
}

interface StatusJson {
  kernel: string; rdmaCore: boolean; canCreateRxe: boolean; missing: string[];
  modules: { rdma_rxe: { loaded: boolean; builtin: boolean; file?: string } };
  links: { name: string; driver: string; netdev?: string; active: boolean }[];
  vm: { ready: boolean; cacheDir: string; missing: string[]; notes: string[] };
}

describe('vrdma softroce status', () => {
  it('on a kernel without RDMA: says so, exits 1, and reports the VM runner', () => {
    const r = softroce(noRdmaSysfs(), ['status', '--json']);
    expect(r.code).toBe(1);
    const s = jsonOf(r) as StatusJson;
    expect(s).toMatchObject({ kernel: RELEASE, rdmaCore: false, canCreateRxe: false, links: [] });
    expect(s.missing[0]).toContain('built without RDMA (CONFIG_INFINIBAND)');
    expect(s.vm.cacheDir).toBe(join(scratch, 'cache'));
    const text = softroce(noRdmaSysfs(), []);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^kernel {5}6\.1\.0-99-amd64$/m);
    expect(text.stdout).toContain('no rxe links on this kernel');
  });

  it('lists rxe and siw links with their netdevs, and exits 0', () => {
    const r = softroce(keep(tempFixture('rxe')).root, ['status', '--json']);
    expect(r.code).toBe(0);
    const s = jsonOf(r) as StatusJson;
    expect(s.rdmaCore).toBe(true);
    expect(s.modules.rdma_rxe.loaded).toBe(true);
    expect(s.links).toEqual([
      { name: 'rxe0', driver: 'rxe', netdev: 'eth0', active: true },
      { name: 'siw0', driver: 'siw', netdev: 'lo', active: true },
    ]);
  });

  it('an installed but unloaded rdma_rxe counts: links can be created, and it says so', () => {
    const r = softroce(noRdmaSysfs(), ['--json'], { modules: [RXE_KO], env: { VRDMA_RDMA_TOOL: fakeRdma(0).tool } });
    const s = jsonOf(r) as StatusJson;
    expect(r.code).toBe(0);
    expect(s.canCreateRxe).toBe(true);
    expect(s.missing.join(' ')).toContain('installed');
  });
});

describe('vrdma softroce up / down', () => {
  it('up on a kernel without rdma_rxe: ERR_NO_RXE, exit 1, pointing at "run"', () => {
    const r = softroce(noRdmaSysfs(), ['up', '--json']);
    expect(r.code).toBe(1);
    expect(errorOf(r)).toMatchObject({ code: 'ERR_NO_RXE', hint: expect.stringContaining('vrdma softroce run') });
  });

  it('up refused by the kernel with EPERM: ERR_NEEDS_CAP_NET_ADMIN', () => {
    const rdma = fakeRdma(1, 'error: Operation not permitted');
    const r = softroce(noRdmaSysfs(), ['up', '--json'], { modules: [RXE_KO], env: { VRDMA_RDMA_TOOL: rdma.tool } });
    expect(r.code).toBe(1);
    const e = errorOf(r);
    expect(e.code).toBe('ERR_NEEDS_CAP_NET_ADMIN');
    expect(e.message).toContain('needs CAP_NET_ADMIN');
    const text = softroce(noRdmaSysfs(), ['up'], { modules: [RXE_KO], env: { VRDMA_RDMA_TOOL: rdma.tool } });
    expect(text.stderr).toContain('[ERR_NEEDS_CAP_NET_ADMIN]');
  });

  it('up runs "rdma link add NAME type rxe netdev IF", defaulting to the first interface that is up', () => {
    const rdma = fakeRdma(0);
    const r = softroce(noRdmaSysfs(), ['up', '--name', 'rxe7'], { modules: [RXE_KO], env: { VRDMA_RDMA_TOOL: rdma.tool } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('created rxe7 (rxe) on eth0\n');
    const again = softroce(noRdmaSysfs(), ['up', '--netdev', 'eth0'], { modules: [RXE_KO], env: { VRDMA_RDMA_TOOL: rdma.tool } });
    expect(again.code).toBe(0);
    expect(readFileSync(rdma.log, 'utf8')).toBe('link add rxe7 type rxe netdev eth0\nlink add rxe0 type rxe netdev eth0\n');
  });

  it('up: a missing netdev, an existing name, a missing rdma tool', () => {
    const ok = fakeRdma(0).tool;
    expect(errorOf(softroce(noRdmaSysfs(), ['up', '--netdev', 'eth9', '--json'], { modules: [RXE_KO], env: { VRDMA_RDMA_TOOL: ok } })).code).toBe('ERR_NO_NETDEV');
    expect(errorOf(softroce(keep(tempFixture('rxe')).root, ['up', '--json'], { env: { VRDMA_RDMA_TOOL: ok } })).code).toBe('ERR_LINK_EXISTS');
    expect(errorOf(softroce(noRdmaSysfs(), ['up', '--json'], { modules: [RXE_KO], env: { VRDMA_RDMA_TOOL: join(scratch, 'no-such-rdma') } })).code).toBe('ERR_NO_RDMA_TOOL');
  });

  it('down: an unknown link, EPERM, and success', () => {
    const sys = keep(tempFixture('rxe')).root;
    const missing = softroce(sys, ['down', '--name', 'rxe9', '--json']);
    expect(missing.code).toBe(1);
    expect(errorOf(missing)).toMatchObject({ code: 'ERR_NO_LINK', message: expect.stringContaining('rxe0, siw0') });
    const eperm = softroce(sys, ['down', '--json'], { env: { VRDMA_RDMA_TOOL: fakeRdma(1, 'error: Operation not permitted').tool } });
    expect(errorOf(eperm).code).toBe('ERR_NEEDS_CAP_NET_ADMIN');
    const rdma = fakeRdma(0);
    const done = softroce(sys, ['down', '--name', 'siw0', '--json'], { env: { VRDMA_RDMA_TOOL: rdma.tool } });
    expect(done.code).toBe(0);
    expect(jsonOf(done)).toEqual({ action: 'down', name: 'siw0' });
    expect(readFileSync(rdma.log, 'utf8')).toBe('link delete siw0\n');
  });

  it('another rdma failure keeps the tool\'s words: ERR_RDMA_TOOL', () => {
    const r = softroce(keep(tempFixture('rxe')).root, ['down', '--json'], { env: { VRDMA_RDMA_TOOL: fakeRdma(1, 'error: Device or resource busy').tool } });
    expect(errorOf(r)).toMatchObject({ code: 'ERR_RDMA_TOOL', message: expect.stringContaining('Device or resource busy') });
  });
});

describe('vrdma softroce: command-line errors exit 2', () => {
  const sys = noRdmaSysfs();
  it.each([
    [['stauts'], 'did you mean "status"'],
    [['up', '--cpus', '2'], '--cpus does not apply to "softroce up"'],
    [['status', 'extra'], 'too many arguments'],
    [['up', '--name', '0bad name'], '--name takes an RDMA device name'],
    [['up', '--netdev', ''], '--netdev needs an interface name'],
    [['run'], 'needs a command'],
    [['run', '--hosts', '3', '--', 'true'], '--hosts takes a whole number from 1 to 2'],
    [['run', '--memory', 'lots', '--', 'true'], '--memory takes a whole number'],
    [['run', '--json', '--', 'true'], '--json does not apply'],
    [['run', '--ivshmem', '3', '--', 'true'], '--ivshmem takes a power of two from 1 to 1024'],
    [['run', '--ivshmem', '2048', '--', 'true'], '--ivshmem takes a whole number from 1 to 1024'],
    [['up', '--ivshmem', '4'], '--ivshmem does not apply to "softroce up"'],
    [['down', '--frobnicate'], "Unknown option '--frobnicate'"],
  ])('%j', (args, message) => {
    const r = softroce(sys, args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('vrdma softroce run without a VM', () => {
  it('exits 125 and names QEMU when it is missing', () => {
    const r = softroce(noRdmaSysfs(), ['run', '--vm', '--', 'true'], { env: { VRDMA_QEMU: join(scratch, 'no-qemu') } });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('no-qemu not found');
  });

  it('--ivshmem always means the VM (even where rxe is up): exits 125 naming QEMU when it is missing', () => {
    const r = softroce(noRdmaSysfs(), ['run', '--ivshmem', '4', '--', 'true'], { env: { VRDMA_QEMU: join(scratch, 'no-qemu') } });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('no-qemu not found');
  });

  it('the VM runner refuses an --ivshmem size that is not a power of two, before booting', () => {
    const r = spawnSync('bash', [join(repoRoot, 'softroce', 'run-vm.sh'), '--ivshmem', '6', '--', 'true'], { encoding: 'utf8', env: { ...process.env, VRDMA_QEMU: join(scratch, 'no-qemu') } });
    expect(r.status).toBe(125);
    expect(r.stderr).toContain('--ivshmem takes a power of two from 1 to 1024 MiB');
  });
});
