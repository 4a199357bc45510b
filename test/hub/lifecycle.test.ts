import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chownSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { WrOpcode, type Endpoint } from '../../lib/index.js';
import { ROOT, Scope, alive, hubSocket, hubStats, requireBuild, sleep, until, type Child } from './helpers.js';
import { connect, pair, side } from './pair.js';
import type { ChildWc } from './peer-child.js';

let scope: Scope;
beforeAll(() => requireBuild());
beforeEach(() => {
  scope = new Scope();
});
afterEach(async () => {
  await scope.dispose();
});

type Ev = { typeName: string; detail: string };
const events = (c: Child): Promise<Ev[]> => c.call<Ev[]>({ op: 'events' });

async function writeWorks(from: Child, to: Child, seed: number): Promise<void> {
  await from.call({ op: 'fill', offset: 0, len: 1000, seed });
  const w = await from.call<ChildWc[]>({ op: 'post', wait: true, wrs: [{ wrId: seed, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 1000, remoteOffset: 2000 }] });
  expect(w.map((x) => x.status)).toEqual([0]);
  expect(await to.call({ op: 'hash', offset: 2000, len: 1000 })).toBe(await from.call({ op: 'hash', offset: 0, len: 1000 }));
}

describe('hub lifecycle', () => {
  it('a process whose only pending work is await cq.next() stays alive until the remote SEND lands', async () => {
    const dir = scope.runtimeDir();
    const env = scope.env(dir);
    const waiter = spawn(process.execPath, [join(ROOT, 'dist', 'test', 'hub', 'wait-child.js')], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    scope.track(waiter.pid!);
    let out = '';
    waiter.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    waiter.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((resolve) => waiter.once('exit', (code) => resolve(code)));
    await until(() => out.includes('\n'), 10_000, 'the waiter endpoint');
    const theirs = JSON.parse(out.split('\n')[0]!) as Endpoint;
    const sender = await side(await scope.child(env), 4096);
    scope.track((await hubStats(hubSocket(dir))).pid);
    waiter.stdin!.end(`${JSON.stringify(sender.endpoint)}\n`);
    await sender.child.call({ op: 'connect', endpoint: theirs, mem: sender.mem });
    await sleep(700);
    expect(waiter.exitCode).toBe(null);
    await sender.child.call({ op: 'fill', offset: 0, len: 8, seed: 1 });
    await sender.child.call({ op: 'post', wait: true, wrs: [{ wrId: 1, opcode: WrOpcode.SEND, offset: 0, len: 8 }] });
    expect(await exited).toBe(0);
    expect(out).toContain(`got 0 ${await sender.child.call<string>({ op: 'bytes', offset: 0, len: 8 })}`);
  });

  it('four processes starting the hub at once all end up on one hub', async () => {
    const dir = scope.runtimeDir();
    const env = scope.env(dir);
    const children = await Promise.all([0, 1, 2, 3].map(() => scope.child(env)));
    const opened = await Promise.all(children.map((c) => c.call<{ lid: number; warnings: string[] }>({ op: 'open', hub: true })));
    const stats = await hubStats(hubSocket(dir));
    scope.track(stats.pid);
    expect(new Set(opened.map((o) => o.lid)).size).toBe(4);
    expect(stats['nodes']).toBe(4);
    expect(opened.flatMap((o) => o.warnings)).toEqual([]);
  });

  it('an idle hub exits by itself and removes its socket, whether its clients close or die', async () => {
    const dir = scope.runtimeDir();
    const env = scope.env(dir, { VRDMA_HUB_IDLE_MS: '300' });
    const a = await scope.child(env);
    await a.call({ op: 'open' });
    const pid1 = (await hubStats(hubSocket(dir))).pid;
    scope.track(pid1);
    await a.call({ op: 'close' });
    await until(() => !alive(pid1), 5000, 'the idle hub to exit');
    expect(existsSync(hubSocket(dir))).toBe(false);

    const b = await scope.child(env);
    await b.call({ op: 'open' });
    const pid2 = (await hubStats(hubSocket(dir))).pid;
    scope.track(pid2);
    expect(pid2).not.toBe(pid1);
    b.proc.kill('SIGKILL');
    await until(() => !alive(pid2), 5000, 'the hub of a killed client to exit');
  });

  it('hub killed: data keeps flowing, clients start a new hub and re-register with their LIDs, newcomers find them', async () => {
    const { a, b, dir, hubPid } = await pair(scope, 65536);
    process.kill(hubPid, 'SIGKILL');
    await writeWorks(a.child, b.child, 1);
    await until(async () => (await events(a.child)).some((e) => e.typeName === 'CLIENT_REREGISTER')
      && (await events(b.child)).some((e) => e.typeName === 'CLIENT_REREGISTER'), 8000, 'both clients to re-register');
    const stats = await hubStats(hubSocket(dir));
    scope.track(stats.pid);
    expect(stats.pid).not.toBe(hubPid);
    expect(stats['nodes']).toBe(2);
    expect(stats['qps']).toBe(2);
    expect((await events(a.child)).find((e) => e.typeName === 'CLIENT_REREGISTER')?.detail).toContain(`LID ${a.lid}`);
    await writeWorks(b.child, a.child, 2);

    // a newcomer resolves a's GID through the new hub
    const c = await side(await scope.child(scope.env(dir)), 65536);
    expect([a.lid, b.lid]).not.toContain(c.lid);
    const { endpoint } = await a.child.call<{ endpoint: Endpoint }>({ op: 'newQp' });
    await connect({ ...a, endpoint }, c);
    await writeWorks(c.child, a.child, 3);
  });

  it('hub killed and cannot come back: SM_CHANGE, data keeps flowing, new connects fail with ERR_HUB_UNAVAILABLE', async () => {
    const { a, b, dir, hubPid } = await pair(scope, 65536);
    chownSync(dir, 12345, 12345);
    process.kill(hubPid, 'SIGKILL');
    await until(async () => (await events(a.child)).some((e) => e.typeName === 'SM_CHANGE'), 9000, 'SM_CHANGE');
    const ev = (await events(a.child)).find((e) => e.typeName === 'SM_CHANGE')!;
    expect(ev.detail).toMatch(/could not be reached again.*owned by uid 12345/);
    await writeWorks(a.child, b.child, 4);
    const { endpoint } = await a.child.call<{ endpoint: Endpoint }>({ op: 'newQp' });
    const ghost = { ...endpoint, gid: 'fe80::7672:646d:6100:bbb', lid: 0xbbb };
    await expect(a.child.call({ op: 'connect', endpoint: ghost, mem: b.mem })).rejects.toMatchObject({ code: 'ERR_HUB_UNAVAILABLE' });
    chownSync(dir, process.getuid!(), process.getgid!());
    await sleep(10);
  }, 30_000);
});
