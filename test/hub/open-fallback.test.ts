import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, existsSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Access, QpType, WcStatus, WrOpcode, openDevice } from '../../lib/index.js';
import { probeHub } from '../../lib/providers/loopback/hub-probe.js';
import { Scope, hubSocket, hubStats, requireBuild, startHub } from './helpers.js';
import { side } from './pair.js';

let scope: Scope;
const saved = { ...process.env };
const warnings: Error[] = [];
const onWarning = (w: Error): void => { warnings.push(w); };

beforeAll(() => requireBuild());
beforeEach(() => {
  scope = new Scope();
  warnings.length = 0;
  process.on('warning', onWarning);
  delete process.env['VRDMA_HUB'];
  delete process.env['VRDMA_HUB_TOKEN'];
  process.env['VRDMA_HUB_IDLE_MS'] = '2000';
});
afterEach(async () => {
  process.off('warning', onWarning);
  for (const k of ['VRDMA_RUNTIME_DIR', 'VRDMA_HUB', 'VRDMA_HUB_TOKEN', 'VRDMA_HUB_IDLE_MS']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await scope.dispose();
});

const HUB_GID = /^fe80::7672:646d:6100:/;

describe('opening loop0 with and without the hub (in this process)', () => {
  it('joins a hub it starts, fixing a runtime directory with a loose mode to 0700', async () => {
    const dir = join(scope.runtimeDir(), 'rt');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    process.env['VRDMA_RUNTIME_DIR'] = dir;
    const ctx = await openDevice('loop0');
    try {
      expect(ctx.gidTable()[0]!.gid).toMatch(HUB_GID);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      const stats = await hubStats(hubSocket(dir));
      scope.track(stats.pid);
      expect(stats['nodes']).toBe(1);
    } finally {
      ctx.close();
    }
    expect(warnings).toEqual([]);
  });

  it('waits for a hub it started that is slow to come up (emulated CPUs take seconds to start Node)', async () => {
    const dir = scope.runtimeDir();
    process.env['VRDMA_RUNTIME_DIR'] = dir;
    process.env['VRDMA_HUB_START_DELAY_MS'] = '6500';
    try {
      const ctx = await openDevice('loop0');
      try {
        expect(ctx.gidTable()[0]!.gid).toMatch(HUB_GID);
        const stats = await hubStats(hubSocket(dir));
        scope.track(stats.pid);
      } finally {
        ctx.close();
      }
    } finally {
      delete process.env['VRDMA_HUB_START_DELAY_MS'];
    }
    expect(warnings).toEqual([]);
  }, 40_000);

  it('{ hub: false } stays private and starts nothing', async () => {
    const dir = scope.runtimeDir();
    process.env['VRDMA_RUNTIME_DIR'] = dir;
    const ctx = await openDevice('loop0', { hub: false });
    expect(ctx.gidTable()[0]!.gid).not.toMatch(HUB_GID);
    ctx.close();
    expect(existsSync(hubSocket(dir))).toBe(false);
  });

  it('a runtime directory owned by another user: a warning and a private context, or ERR_HUB_UNAVAILABLE when asked for the hub', async () => {
    const dir = scope.runtimeDir();
    chownSync(dir, 12345, 12345);
    process.env['VRDMA_RUNTIME_DIR'] = dir;
    const ctx = await openDevice('loop0');
    expect(ctx.gidTable()[0]!.gid).not.toMatch(HUB_GID);
    ctx.close();
    await new Promise((r) => setImmediate(r));
    expect(warnings.map((w) => [(w as Error & { code?: string }).code, w.message])).toEqual([
      ['VRDMA_HUB_UNAVAILABLE', expect.stringMatching(/owned by uid 12345/)],
    ]);
    await expect(openDevice('loop0', { hub: true })).rejects.toMatchObject({ code: 'ERR_HUB_UNAVAILABLE', message: expect.stringMatching(/owned by uid 12345/) });
    expect(existsSync(hubSocket(dir))).toBe(false);
  });

  it('a runtime directory that is a symbolic link is refused', async () => {
    const base = scope.runtimeDir();
    mkdirSync(join(base, 'real'), { mode: 0o700 });
    symlinkSync(join(base, 'real'), join(base, 'link'));
    process.env['VRDMA_RUNTIME_DIR'] = join(base, 'link');
    await expect(openDevice('loop0', { hub: true })).rejects.toMatchObject({ code: 'ERR_HUB_UNAVAILABLE', message: expect.stringMatching(/symbolic link/) });
  });

  it('a malformed hubAddress is an argument error; a TCP one without a token is ERR_HUB_UNAVAILABLE', async () => {
    await expect(openDevice('loop0', { hubAddress: 'tcp://nohost' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(openDevice('loop0', { hubAddress: 'tcp://127.0.0.1:9' })).rejects.toMatchObject({ code: 'ERR_HUB_UNAVAILABLE', message: expect.stringMatching(/token/) });
  });
});

describe('a private context and nodes of other processes', () => {
  it('cannot connect to them, or, beside a hub context of the same thread, fails its sends with RETRY_EXC_ERR', async () => {
    const dir = scope.runtimeDir();
    process.env['VRDMA_RUNTIME_DIR'] = dir;
    const remote = await side(await scope.child(scope.env(dir)), 4096);
    scope.track((await hubStats(hubSocket(dir))).pid);
    const priv = await openDevice('loop0', { hub: false });
    try {
      const pd = priv.allocPd();
      const cq = priv.createCq();
      const qp = pd.createQp({ type: QpType.RC, sendCq: cq });
      await expect(qp.connect(remote.endpoint)).rejects.toMatchObject({ code: 'ERR_UNREACHABLE' });
      const withHub = await openDevice('loop0');
      try {
        const qp2 = pd.createQp({ type: QpType.RC, sendCq: cq });
        await qp2.connect(remote.endpoint);
        const mr = pd.registerMemory(new Uint8Array(8), Access.LOCAL_WRITE);
        qp2.postSend({ wrId: 5, opcode: WrOpcode.SEND, sgList: [{ mr }] });
        const wc = await cq.next();
        expect([wc.wrId, wc.status]).toEqual([5, WcStatus.RETRY_EXC_ERR]);
      } finally {
        withHub.close();
      }
    } finally {
      priv.close();
    }
  });
});

describe('probeHub', () => {
  it('says no hub runs, never starts one, never throws', async () => {
    const dir = scope.runtimeDir();
    process.env['VRDMA_RUNTIME_DIR'] = dir;
    const p = await probeHub();
    expect(p).toEqual({ reachable: false, absent: true, address: hubSocket(dir), detail: expect.stringMatching(/no hub is running/) });
    expect(existsSync(hubSocket(dir))).toBe(false);
    expect((await probeHub('tcp://[::1')).reachable).toBe(false);
    expect(await probeHub('tcp://127.0.0.1:9')).toMatchObject({ absent: false, detail: expect.stringMatching(/VRDMA_HUB_TOKEN/) });
    expect((await probeHub(join(dir, 'missing', 'x.sock'))).reachable).toBe(false);
  });

  it('reports a running hub', async () => {
    const dir = scope.runtimeDir();
    process.env['VRDMA_RUNTIME_DIR'] = dir;
    const hub = await startHub(scope, scope.env(dir), ['--listen', hubSocket(dir)]);
    const p = await probeHub();
    expect(p).toMatchObject({ reachable: true, absent: false, pid: hub.pid });
    expect(p.detail).toContain(`hub pid ${hub.pid}`);
  });
});
