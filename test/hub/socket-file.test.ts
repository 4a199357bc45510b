import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WrOpcode } from '../../lib/index.js';
import { hubSocket, hubStats, scopePerTest, until } from './helpers.js';
import { connect, side } from './pair.js';
import type { ChildWc } from './peer-child.js';

const current = scopePerTest();

describe('the hub socket file', () => {
  it('deleted while the hub has clients: the hub listens on it again, newcomers join the same hub and reach the old clients', async () => {
    const scope = current();
    const dir = scope.runtimeDir();
    const log = join(dir, 'hub.log');
    const env = scope.env(dir, { VRDMA_HUB_IDLE_MS: '0', VRDMA_HUB_LOG: log });
    const old = await side(await scope.child(env), 4096);
    const sock = hubSocket(dir);
    const hubPid = (await hubStats(sock)).pid;
    scope.track(hubPid);
    unlinkSync(sock);
    await until(() => existsSync(sock), 3000, 'the hub socket to come back');
    const late = await side(await scope.child(env), 4096, { hub: true });
    const stats = await hubStats(sock);
    expect(stats.pid).toBe(hubPid);
    expect(stats['nodes']).toBe(2);
    await connect(old, late);
    await old.child.call({ op: 'fill', offset: 0, len: 64, seed: 7 });
    const wcs = await old.child.call<ChildWc[]>({ op: 'post', wait: true, wrs: [{ wrId: 1, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 64, remoteOffset: 128 }] });
    expect(wcs.map((w) => w.status)).toEqual([0]);
    expect(await late.child.call({ op: 'hash', offset: 128, len: 64 })).toBe(await old.child.call({ op: 'hash', offset: 0, len: 64 }));
    expect(readFileSync(log, 'utf8')).toMatch(/was deleted: listening on it again/);
  });

  it('replaced by a file that is not a socket: the hub leaves it alone and says so', async () => {
    const scope = current();
    const dir = scope.runtimeDir();
    const log = join(dir, 'hub.log');
    const sock = hubSocket(dir);
    await side(await scope.child(scope.env(dir, { VRDMA_HUB_IDLE_MS: '0', VRDMA_HUB_LOG: log })), 64);
    scope.track((await hubStats(sock)).pid);
    unlinkSync(sock);
    writeFileSync(sock, 'not a socket');
    await until(() => existsSync(log) && /is no longer this hub's socket/.test(readFileSync(log, 'utf8')), 3000, 'the hub to report its lost socket');
    expect(readFileSync(sock, 'utf8')).toBe('not a socket');
  });
});
