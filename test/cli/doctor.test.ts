import { afterAll, describe, expect, it } from 'vitest';
import { SysfsBuilder, tempFixture } from '../sriov/fixtures/index.js';
import { buildModules, buildProcfs, type ProcfsOptions } from './doctor-fixture.js';
import { jsonOf, runVrdma, type CliRun } from './run-vrdma.js';

interface DoctorJson {
  ok: boolean;
  usable: string[];
  summary: { ok: number; off: number; warn: number; fail: number };
  checks: { id: string; title: string; status: 'ok' | 'off' | 'warn' | 'fail'; detail: string; fix?: string; help?: string }[];
}

const RELEASE = '6.1.0-99-amd64';
const made: SysfsBuilder[] = [];
afterAll(() => made.forEach((b) => b.dispose()));

function keep(b: SysfsBuilder): SysfsBuilder {
  made.push(b);
  return b;
}

function doctor(sysfs: string, opts: { proc?: ProcfsOptions; modules?: readonly string[]; args?: readonly string[]; json?: boolean } = {}): CliRun {
  const proc = buildProcfs(keep(SysfsBuilder.temp('vrdma-proc-')), opts.proc ?? { memlock: ['unlimited', 'unlimited'] });
  const mods = buildModules(keep(SysfsBuilder.temp('vrdma-modules-')), RELEASE, opts.modules ?? []);
  return runVrdma(['doctor', ...(opts.json === false ? [] : ['--json']), '--sysfs', sysfs, ...(opts.args ?? [])], {
    VRDMA_PROCFS: proc.root, VRDMA_MODULES_DIR: mods.root, VRDMA_KERNEL_RELEASE: RELEASE,
  });
}

function check(r: CliRun, id: string): DoctorJson['checks'][number] {
  const c = (jsonOf(r) as DoctorJson).checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
}

function noRdmaSysfs(): SysfsBuilder {
  const b = keep(SysfsBuilder.temp());
  b.pciFunction({ parent: 'devices/pci0000:00', address: '0000:00:03.0', vendor: '0x1af4', device: '0x1000', driver: 'virtio-pci' });
  return b;
}

describe('vrdma doctor', () => {
  it('runs every check, in order, and exits 1 exactly when one fails', () => {
    const r = doctor(keep(tempFixture('rxe')).root);
    const d = jsonOf(r) as DoctorJson;
    expect(d.checks.map((c) => c.id)).toEqual(['loopback', 'native', 'rdma-devices', 'memlock', 'rxe', 'loopback-hub']);
    for (const c of d.checks) {
      expect(['ok', 'off', 'warn', 'fail']).toContain(c.status);
      expect(c.title.length).toBeGreaterThan(0);
      expect(c.detail.length).toBeGreaterThan(0);
      if (c.status !== 'ok') expect(c.fix ?? (c.id === 'loopback-hub' ? 'x' : '')).not.toBe('');
    }
    const failed = d.checks.some((c) => c.status === 'fail');
    expect(d.ok).toBe(!failed);
    expect(d.usable).toContain('loopback');
    expect(d.summary.ok + d.summary.off + d.summary.warn + d.summary.fail).toBe(6);
    expect(r.code).toBe(failed ? 1 : 0);
  });

  it('exits 0 where only loop0 works, and says so', () => {
    const r = doctor(noRdmaSysfs().root, { json: false });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[ok  \] loopback provider \(loop0\)$/m);
    expect(r.stdout).toMatch(/^usable here: (native and )?loopback; \d ok, \d off, \d warning\(s\), 0 failed$/m);
    expect(r.stdout).toContain('troubleshooting: https://github.com/vrdma/vrdma/blob/main/docs/troubleshooting.md');
    expect(r.stdout).not.toContain('npm run');
    expect(r.stderr).toBe('');
  });

  it('--require native fails where the native provider has no device, and exits 1', () => {
    const r = doctor(noRdmaSysfs().root, { args: ['--require', 'native'] });
    expect(r.code).toBe(1);
    const d = jsonOf(r) as DoctorJson;
    expect(check(r, 'rdma-devices').status).toBe('fail');
    expect(d.ok).toBe(false);
    expect(doctor(noRdmaSysfs().root, { args: ['--require', 'loopback'] }).code).toBe(0);
    const bad = runVrdma(['doctor', '--require', 'gpu', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr)).toMatchObject({ error: { code: 'ERR_USAGE', message: expect.stringContaining('--require') } });
  });

  it('the native check agrees with providerStatus(): ok with devices, else off with a fix and a troubleshooting link', async () => {
    const { providerStatus } = await import('../../lib/index.js');
    const native = providerStatus().find((p) => p.name === 'native')!;
    const c = check(doctor(noRdmaSysfs().root), 'native');
    if (native.available) {
      expect(c.status).toBe('ok');
    } else {
      expect(c).toMatchObject({ status: 'off', help: expect.stringMatching(/troubleshooting\.md#/) });
      expect(c.detail).toContain(native.reason!);
      expect(c.fix).not.toMatch(/npm run/);
    }
  });

  it('on an rxe host: active rxe0, rdma_rxe loaded, memlock unlimited', () => {
    const r = doctor(keep(tempFixture('rxe')).root);
    expect(check(r, 'rdma-devices')).toMatchObject({ status: 'ok', detail: expect.stringContaining('rxe0 (rxe): port 1 ACTIVE Ethernet') });
    expect(check(r, 'rxe')).toMatchObject({ status: 'ok', detail: 'rdma_rxe is loaded; rxe devices: rxe0 (active)' });
    expect(check(r, 'memlock')).toMatchObject({ status: 'ok' });
  });

  it('on a kernel built without RDMA: devices and rxe are off, with what would enable them', () => {
    const r = doctor(noRdmaSysfs().root);
    expect(r.code).toBe(0);
    expect(check(r, 'rdma-devices')).toMatchObject({ status: 'off', detail: expect.stringContaining('does not exist') });
    const rxe = check(r, 'rxe');
    expect(rxe.status).toBe('off');
    expect(rxe.detail).toContain(`this kernel (${RELEASE}) was built without RDMA (CONFIG_INFINIBAND)`);
    expect(rxe.help).toMatch(/troubleshooting\.md#soft-roce-rxe$/);
  });

  it('prints text with [off ] lines and what would enable them', () => {
    const r = doctor(noRdmaSysfs().root, { json: false });
    expect(r.stdout).toMatch(/^\[off \] Soft-RoCE \(rxe\)$/m);
    expect(r.stdout).toMatch(/^ {7}to enable: run your program on rxe0 in a throwaway VM .*"npx vrdma softroce run -- CMD"$/m);
    expect(r.stdout).toMatch(/^ {7}more: https:\/\/github\.com\/vrdma\/vrdma\/blob\/main\/docs\/troubleshooting\.md#soft-roce-rxe$/m);
    expect(r.stderr).toBe('');
  });

  it('with rdma_rxe installed but not loaded: says to modprobe it', () => {
    const sys = noRdmaSysfs();
    sys.dir('class/infiniband');
    const r = doctor(sys.root, { modules: ['kernel/drivers/infiniband/core/ib_core.ko.xz', 'kernel/drivers/infiniband/sw/rxe/rdma_rxe.ko.xz'] });
    expect(check(r, 'rxe')).toMatchObject({ status: 'off', fix: expect.stringContaining('modprobe rdma_rxe') });
    expect(check(r, 'rxe').detail).toContain('rdma_rxe.ko.xz');
  });

  it('finds rdma_rxe through /proc/modules too', () => {
    const r = doctor(noRdmaSysfs().root, { proc: { memlock: ['unlimited', 'unlimited'], modules: ['rdma_rxe 131072 0 - Live 0x0000000000000000', 'ib_core 1 0'] } });
    expect(check(r, 'rxe')).toMatchObject({ status: 'ok', detail: expect.stringContaining('rdma_rxe is loaded') });
  });

  it('with RDMA core but no rdma_rxe: off, naming CONFIG_RDMA_RXE', () => {
    const sys = noRdmaSysfs();
    sys.dir('class/infiniband');
    const r = doctor(sys.root, { modules: ['kernel/drivers/infiniband/core/ib_core.ko'] });
    expect(check(r, 'rxe')).toMatchObject({ status: 'off', detail: expect.stringContaining('CONFIG_RDMA_RXE') });
  });

  it('with an active hardware port and no rxe: rxe is only off', () => {
    const r = doctor(keep(tempFixture('connectx5')).root);
    expect(check(r, 'rdma-devices').status).toBe('ok');
    expect(check(r, 'rxe').status).toBe('off');
  });

  it('warns on rdma-devices when no port is active, with a fix; fails under --require native', () => {
    const sys = keep(tempFixture('rxe'));
    sys.file('devices/virtual/infiniband/rxe0/ports/1/state', '1: DOWN').file('devices/virtual/net/lo/infiniband/siw0/ports/1/state', '1: DOWN');
    const c = check(doctor(sys.root), 'rdma-devices');
    expect(c).toMatchObject({ status: 'warn', fix: expect.stringContaining('ip link set') });
    expect(c.detail).toContain('no port is ACTIVE');
    expect(check(doctor(sys.root, { args: ['--require', 'native'] }), 'rdma-devices').status).toBe('fail');
  });

  it('checks memlock against --memlock-bytes: fail below it without CAP_IPC_LOCK', () => {
    const root = keep(tempFixture('rxe')).root;
    const small = { memlock: ['8388608', '8388608'] as const };
    const fail = doctor(root, { proc: small, args: ['--memlock-bytes', '1G'] });
    expect(check(fail, 'memlock')).toMatchObject({ status: 'fail', detail: expect.stringContaining('planned registration 1 GiB') });
    expect(check(fail, 'memlock').fix).toContain('ulimit -l unlimited');
    expect(fail.code).toBe(1);
    expect(check(doctor(root, { proc: small }), 'memlock').status).toBe('warn');
    expect(check(doctor(root, { proc: small, args: ['--memlock-bytes', '4M'] }), 'memlock').status).toBe('ok');
    const capped = doctor(root, { proc: { ...small, capEff: '000001ffffffffff' }, args: ['--memlock-bytes', '1G'] });
    expect(check(capped, 'memlock')).toMatchObject({ status: 'warn', detail: expect.stringContaining('CAP_IPC_LOCK') });
    const soft = doctor(root, { proc: { memlock: ['65536', 'unlimited'] }, args: ['--memlock-bytes', '1G'] });
    expect(check(soft, 'memlock').fix).toContain('raise the soft limit: "ulimit -l unlimited"');
  });

  it('rejects a bad --memlock-bytes with exit 2', () => {
    const r = runVrdma(['doctor', '--memlock-bytes', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--memlock-bytes wants a size');
  });
});
