// Device, port and GID queries, memory allocation and registration on a
// real device (VRDMA_TEST_DEVICE, default the first native device).
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Access, AsyncEventType, Context, GidType, LinkLayer, Mtu, PortState, listDevices, openDevice, VerbsError, QpType, InvalidArgumentError,
  type AsyncEvent,
} from '../../lib/index.js';
import { nativeAddon } from '../../lib/providers/native/index.js';
import { compiledScript, forceGc, repoRoot, skipReason, testDevice, titled } from './helpers.js';

const isRoot = process.getuid?.() === 0;
/** Port events need a link to take down and rxe to make a device on it: only in the throwaway VM, as root. */
const portEventsReason = process.env['VRDMA_IN_VM'] !== '1' ? 'only inside the Soft-RoCE VM (VRDMA_IN_VM=1), which can create an rxe device'
  : !isRoot ? 'needs root' : undefined;

describe.skipIf(skipReason !== undefined)(titled('native device queries'), () => {
  let ctx: Context;
  beforeAll(async () => {
    ctx = await openDevice(testDevice);
  });
  afterAll(() => ctx?.close());

  it('lists the device with GUID, transport, driver and netdevs', () => {
    const d = listDevices().find((x) => x.name === testDevice);
    expect(d).toBeDefined();
    expect(d!.provider).toBe('native');
    expect(d!.guid).toMatch(/^[0-9a-f]{16}$/);
    expect(['InfiniBand', 'RoCE', 'iWARP']).toContain(d!.transport);
    if (testDevice.startsWith('rxe')) {
      expect(d!.transport).toBe('RoCE');
      expect(d!.driver).toBe('rxe');
      expect(d!.netdevs?.length).toBeGreaterThan(0);
    }
    expect(ctx.device.name).toBe(testDevice);
  });

  it('queries the device', () => {
    const a = ctx.queryDevice();
    expect(a.physPortCnt).toBeGreaterThanOrEqual(1);
    expect(a.maxQp).toBeGreaterThan(0);
    expect(a.maxQpWr).toBeGreaterThan(0);
    expect(a.maxSge).toBeGreaterThan(0);
    expect(a.maxCqe).toBeGreaterThan(0);
    expect(typeof a.maxMrSize).toBe('bigint');
    expect(a.nodeGuid).toBe(listDevices().find((x) => x.name === testDevice)!.guid);
    expect(a.maxInlineData).toBeGreaterThanOrEqual(0);
  });

  it('queries port 1 and rejects a port it does not have', () => {
    const p = ctx.queryPort(1);
    expect(p.state).toBe(PortState.ACTIVE);
    expect(p.stateName).toBe('ACTIVE');
    expect(p.activeMtu).toBeGreaterThanOrEqual(Mtu.MTU_256);
    expect(p.activeMtu).toBeLessThanOrEqual(p.maxMtu);
    expect(p.gidTblLen).toBeGreaterThan(0);
    expect([LinkLayer.INFINIBAND, LinkLayer.ETHERNET]).toContain(p.linkLayer);
    expect(() => ctx.queryPort(ctx.queryDevice().physPortCnt + 1)).toThrow(InvalidArgumentError);
  });

  it('reads the GID table with types and netdevs, and endpoints use the RoCE v2 IPv4-mapped GID', () => {
    const table = ctx.gidTable(1);
    expect(table.length).toBeGreaterThan(0);
    for (const g of table) {
      expect(g.gid).toMatch(/:/);
      expect([GidType.IB, GidType.ROCE_V1, GidType.ROCE_V2]).toContain(g.type);
      expect(['IB', 'RoCEv1', 'RoCEv2']).toContain(g.typeName);
    }
    const pd = ctx.allocPd();
    const cq = ctx.createCq({ depth: 4 });
    const qp = pd.createQp({ type: QpType.RC, sendCq: cq });
    const ep = qp.endpoint();
    const mapped = table.find((g) => g.type === GidType.ROCE_V2 && g.gid.startsWith('::ffff:'));
    if (ctx.queryPort(1).linkLayer === LinkLayer.ETHERNET && mapped) {
      expect(ep.gidIndex).toBe(mapped.index);
      expect(ep.gid).toBe(mapped.gid);
      expect(mapped.netdev).toBeDefined();
    }
    expect(ep).toMatchObject({ v: 1, provider: 'native', qpType: QpType.RC, port: 1, mtu: ctx.queryPort(1).activeMtu });
    expect(ep.psn).toBeLessThan(2 ** 24);
    pd.close();
    cq.close();
  });

  it('OpenOptions.gidIndex chooses the GID, and an unpopulated one is refused at open, listing those there are', async () => {
    const table = ctx.gidTable(1);
    const first = table[0]!;
    const c2 = await openDevice(testDevice, { gidIndex: first.index });
    const pd = c2.allocPd();
    const cq = c2.createCq({ depth: 4 });
    const qp = pd.createQp({ type: QpType.RC, sendCq: cq });
    expect(qp.endpoint().gidIndex).toBe(first.index);
    c2.close();
    const err = await openDevice(testDevice, { gidIndex: 1000 }).then((c) => { c.close(); return undefined; }, (e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).argument).toBe('options.gidIndex');
    expect((err as Error).message).toContain(first.gid);
  });

  it('allocBuffer gives page-aligned, zeroed memory that registers', () => {
    const page = (nativeAddon() as { addon: { pageSize: number } }).addon.pageSize;
    const buf = ctx.allocBuffer(3 * page + 5);
    expect(buf.byteLength).toBe(3 * page + 5);
    expect(buf.every((b) => b === 0)).toBe(true);
    const pd = ctx.allocPd();
    const mr = pd.registerMemory(buf, Access.LOCAL_WRITE);
    expect(mr.addr % BigInt(page)).toBe(0n);
    expect(mr.length).toBe(3 * page + 5);
    expect(mr.buffer.buffer).toBe(buf.buffer);
    expect(mr.buffer.byteOffset).toBe(buf.byteOffset);
    pd.close();
  });

  it('registers ArrayBuffer, SharedArrayBuffer, Buffer and typed-array views over exactly their bytes', () => {
    const pd = ctx.allocPd();
    const ab = new ArrayBuffer(4096);
    expect(pd.registerMemory(ab).length).toBe(4096);
    const sab = new SharedArrayBuffer(8192);
    expect(pd.registerMemory(sab, Access.LOCAL_WRITE | Access.REMOTE_WRITE).length).toBe(8192);
    const b = Buffer.alloc(10000);
    expect(pd.registerMemory(b).length).toBe(10000);
    const f64 = new Float64Array(1024);
    const view = f64.subarray(16, 48);
    const mr = pd.registerMemory(view);
    expect(mr.length).toBe(32 * 8);
    expect(mr.buffer.byteOffset).toBe(16 * 8);
    pd.close();
  });

  it('a registration keeps its memory alive until deregistered', async () => {
    const a = nativeAddon();
    if (!('addon' in a)) throw new Error(a.reason);
    const raw = a.addon.openDevice(testDevice);
    const pd = raw.allocPd();
    let collected = false;
    const registry = new FinalizationRegistry(() => { collected = true; });
    const mr = (() => {
      const mem = new Uint8Array(new ArrayBuffer(1 << 20));
      registry.register(mem.buffer, 'mem');
      return pd.regMr(mem, Access.LOCAL_WRITE);
    })();
    for (let i = 0; i < 5; i++) {
      forceGc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(collected).toBe(false);
    mr.close();
    for (let i = 0; i < 20 && !collected; i++) {
      forceGc();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(collected).toBe(true);
    pd.close();
    raw.close();
  });

  it.skipIf(!isRoot)(`a refused registration names the memlock limit and how to raise it${isRoot ? '' : ' (skipped: needs root to drop CAP_IPC_LOCK)'}`, async () => {
    const probe = compiledScript('memlock-probe');
    // Without CAP_IPC_LOCK (which root has) the limit applies. Async: a
    // blocking spawn would stall this test worker for the child's lifetime.
    const child = spawn('setpriv', ['--bounding-set', '-ipc_lock', '--inh-caps', '-ipc_lock', '--', 'bash', '-c', `ulimit -l 64 && exec "${process.execPath}" "${probe}" "${testDevice}"`], {
      cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise<number | null>((resolve) => {
      child.on('error', () => resolve(null));
      child.on('exit', (c) => resolve(c));
    });
    if (code === null) return; // no setpriv here: nothing to show
    const out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { name?: string; code?: string; errno?: number; verb?: string; message?: string };
    expect(out.name, stderr).toBe('VerbsError');
    expect(out.verb).toBe('ibv_reg_mr');
    expect(['ENOMEM', 'EPERM']).toContain(out.code);
    expect(out.message).toMatch(/ulimit -l/);
    expect(out.message).toMatch(/is 64 KiB here/);
  });

  it('opens and closes 200 times, and close is idempotent', async () => {
    for (let i = 0; i < 200; i++) {
      const c = await openDevice(testDevice);
      const pd = c.allocPd();
      const cq = c.createCq({ depth: 8 });
      pd.createQp({ type: QpType.RC, sendCq: cq });
      pd.registerMemory(new Uint8Array(64));
      if (i % 2 === 0) pd.close();
      c.close();
      c.close();
    }
  });

  it('rejects registrations that ask for remote write without local write', () => {
    const pd = ctx.allocPd();
    expect(() => pd.registerMemory(new Uint8Array(8), Access.REMOTE_WRITE)).toThrow(InvalidArgumentError);
    pd.close();
  });

  it('verbs failures are VerbsErrors with errno, code and verb', () => {
    const pd = ctx.allocPd();
    const cq = ctx.createCq({ depth: 4 });
    const err = (() => { try { pd.createQp({ type: QpType.RC, sendCq: cq, maxSendWr: 16384, maxSge: 32, maxInline: 1024 }); } catch (e) { return e; } return undefined; })();
    if (err !== undefined) {
      expect(err).toBeInstanceOf(VerbsError);
      expect((err as VerbsError).verb).toBe('ibv_create_qp');
      expect((err as VerbsError).errno).toBeGreaterThan(0);
      expect((err as VerbsError).code).toMatch(/^E[A-Z]+$/);
    }
    pd.close();
    cq.close();
  });

  it.skipIf(portEventsReason !== undefined)(`port down and up arrive as PORT_ERR and PORT_ACTIVE events${portEventsReason ? ` (skipped: ${portEventsReason})` : ''}`, async () => {
    // A device of its own on its own veth pair, so other tests are not disturbed.
    const sh = (cmd: string, args: string[]): void => { execFileSync(cmd, args, { stdio: 'pipe' }); };
    const [dev, nd, peer] = ['rxept0', 'vrdmapt0', 'vrdmapt1'];
    sh('ip', ['link', 'add', nd, 'type', 'veth', 'peer', 'name', peer]);
    let c: Context | undefined;
    try {
      sh('ip', ['addr', 'add', '10.98.0.1/24', 'dev', nd]);
      sh('ip', ['link', 'set', peer, 'up']);
      sh('ip', ['link', 'set', nd, 'up']);
      sh('rdma', ['link', 'add', dev, 'type', 'rxe', 'netdev', nd]);
      const ready = Date.now() + 30_000;
      while (!listDevices().some((d) => d.name === dev) && Date.now() < ready) await new Promise((r) => setTimeout(r, 100));
      c = await openDevice(dev);
      while (c.queryPort(1).state !== PortState.ACTIVE && Date.now() < ready) await new Promise((r) => setTimeout(r, 100));
      const seen: AsyncEvent[] = [];
      c.on('event', (e) => seen.push(e));
      const waitFor = async (name: string): Promise<AsyncEvent> => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const e = seen.find((x) => x.typeName === name);
          if (e) return e;
          if (Date.now() > deadline) throw new Error(`no ${name} event; saw ${JSON.stringify(seen)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      sh('ip', ['link', 'set', nd, 'down']);
      expect(await waitFor('PORT_ERR')).toMatchObject({ type: AsyncEventType.PORT_ERR, port: 1 });
      expect(c.queryPort(1).state).not.toBe(PortState.ACTIVE);
      sh('ip', ['link', 'set', nd, 'up']);
      expect(await waitFor('PORT_ACTIVE')).toMatchObject({ type: AsyncEventType.PORT_ACTIVE, port: 1 });
      const deadline = Date.now() + 30_000;
      while (c.queryPort(1).state !== PortState.ACTIVE && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(c.queryPort(1).state).toBe(PortState.ACTIVE);
    } finally {
      c?.close();
      try { sh('rdma', ['link', 'delete', dev]); } catch { /* not created */ }
      try { sh('ip', ['link', 'del', nd]); } catch { /* not created */ }
    }
  });
});
