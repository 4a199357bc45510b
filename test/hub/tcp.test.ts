import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConnection, createServer } from 'node:net';
import { spawnSync } from 'node:child_process';
import { WrOpcode } from '../../lib/index.js';
import { HubConnection } from '../../lib/providers/loopback/hub/hub-connection.js';
import { connectTarget, parseAddress } from '../../lib/providers/loopback/hub/address.js';
import { FrameType, PEER_PROTOCOL_VERSION } from '../../lib/providers/loopback/hub/peer-wire.js';
import { HUB_JS, Scope, freePort, hubStats, requireBuild } from './helpers.js';
import { connect, side } from './pair.js';
import type { ChildWc } from './peer-child.js';

let scope: Scope;
beforeAll(() => requireBuild());
beforeEach(() => {
  scope = new Scope();
});
afterEach(async () => {
  await scope.dispose();
});

describe('TCP hub with a token', () => {
  it('started on demand on 127.0.0.1: the right token works end to end, a wrong one is refused', async () => {
    const port = await freePort();
    const address = `tcp://127.0.0.1:${port}`;
    const dir = scope.runtimeDir();
    const env = scope.env(dir, { VRDMA_HUB: address, VRDMA_HUB_TOKEN: 's3cret' });
    const [ca, cb] = await Promise.all([scope.child(env), scope.child(env)]);
    const [a, b] = await Promise.all([side(ca, 65536), side(cb, 65536)]);
    const stats = await hubStats(address, 's3cret');
    scope.track(stats.pid);
    expect(stats['nodes']).toBe(2);
    await connect(a, b);
    await a.child.call({ op: 'fill', offset: 0, len: 4096, seed: 5 });
    const w = await a.child.call<ChildWc[]>({ op: 'post', wait: true, wrs: [{ wrId: 1, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 4096, remoteOffset: 0 }] });
    expect(w[0]!.status).toBe(0);
    expect(await b.child.call({ op: 'hash', offset: 0, len: 4096 })).toBe(await a.child.call({ op: 'hash', offset: 0, len: 4096 }));

    await expect(HubConnection.open(parseAddress(address), { token: 'wrong', role: 'probe' }, 3000)).rejects.toMatchObject({ code: 'ERR_HUB_AUTH' });
    await expect(HubConnection.open(parseAddress(address), { token: null, role: 'probe' }, 3000)).rejects.toMatchObject({ code: 'ERR_HUB_AUTH' });
    const wrong = await scope.child(scope.env(dir, { VRDMA_HUB: address, VRDMA_HUB_TOKEN: 'wrong' }));
    await expect(wrong.call({ op: 'open', hub: true })).rejects.toMatchObject({ code: 'ERR_HUB_UNAVAILABLE', message: expect.stringMatching(/token/) });
    const stats2 = await hubStats(address, 's3cret');
    expect(stats2['rejected']).toBeGreaterThanOrEqual(3);

    // the data path is TCP too, and a peer listener wants the token as well
    const probe = await HubConnection.open(parseAddress(address), { token: 's3cret', role: 'probe' }, 3000);
    const where = await probe.request({ t: 'resolve', gid: a.gid });
    probe.close();
    expect(where['peer']).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const peer = parseAddress(String(where['peer']));
    const refused = await new Promise<string>((resolve, reject) => {
      const s = createConnection(connectTarget(peer));
      let got = '';
      const t = setTimeout(() => reject(new Error('the peer kept a bad hello open')), 5000);
      s.on('connect', () => {
        const json = Buffer.from(JSON.stringify({ t: 'hello', v: PEER_PROTOCOL_VERSION, id: 'x', pid: 1, nodes: [], token: 'wrong' }));
        const head = Buffer.alloc(5);
        head.writeUInt32LE(json.length + 1, 0);
        head[4] = FrameType.CONTROL;
        s.write(Buffer.concat([head, json]));
      });
      s.on('data', (d: Buffer) => { got += d.subarray(5).toString(); });
      s.on('error', () => {});
      s.on('close', () => { clearTimeout(t); resolve(got); });
    });
    expect(refused).toMatch(/wrong or missing token/);
    const w2 = await a.child.call<ChildWc[]>({ op: 'post', wait: true, wrs: [{ wrId: 2, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 64, remoteOffset: 0 }] });
    expect(w2[0]!.status).toBe(0);
  });

  it('a hub refuses to listen on TCP without a token', () => {
    const r = spawnSync(process.execPath, [HUB_JS, '--listen', 'tcp://127.0.0.1:1'], { env: { ...process.env, VRDMA_HUB_TOKEN: '' }, encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/VRDMA_HUB_TOKEN/);
  });

  it('a client without a token does not even try', async () => {
    const child = await scope.child(scope.env(scope.runtimeDir(), { VRDMA_HUB: 'tcp://127.0.0.1:9' }));
    await expect(child.call({ op: 'open', hub: true })).rejects.toMatchObject({ code: 'ERR_HUB_UNAVAILABLE', message: expect.stringMatching(/needs a token/) });
  });
});
