import { afterEach, describe, expect, it } from 'vitest';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { WrOpcode } from '../../lib/index.js';
import { probeHub } from '../../lib/providers/loopback/hub-probe.js';
import { HUB_PROTOCOL_VERSION, JsonFrameReader, encodeJsonFrame, type OutMessage } from '../../lib/providers/loopback/hub/json-frames.js';
import { hubSocket, hubStats, scopePerTest, startHub } from './helpers.js';
import { connect } from './pair.js';
import type { ChildWc } from './peer-child.js';
import { jsonOf, runVrdma } from '../cli/run-vrdma.js';

const current = scopePerTest();
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A hub of another protocol version, as far as a client can tell: it answers every hello with `answer`. */
async function otherVersionHub(path: string, answer: OutMessage): Promise<void> {
  const server = createServer((s) => {
    const reader = new JsonFrameReader();
    s.on('error', () => {});
    s.on('data', (d: Buffer) => {
      if (reader.push(d).some((m) => m.t === 'hello')) s.end(encodeJsonFrame(answer));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
}

const NEWER = HUB_PROTOCOL_VERSION + 1;

describe('hub protocol versions', () => {
  it.each([
    ['refuses our hello', { t: 'error', code: 'ERR_HUB_VERSION', v: NEWER, message: `this hub speaks protocol version ${NEWER}, the client ${HUB_PROTOCOL_VERSION}` }],
    ['welcomes us speaking its own version', { t: 'welcome', v: NEWER, pid: 1 }],
  ])('a hub of another version at the address (it %s): processes of this version run their own hub beside it, say so, and reach each other', async (_how, answer) => {
    const scope = current();
    const dir = scope.runtimeDir();
    const other = join(dir, 'shared.sock');
    await otherVersionHub(other, answer);
    const own = join(dir, `shared-v${HUB_PROTOCOL_VERSION}.sock`);
    const env = scope.env(dir, { VRDMA_HUB: other });
    const opened = await Promise.all([scope.child(env), scope.child(env)].map(async (c) => {
      const child = await c;
      const o = await child.call<{ warnings: string[] }>({ op: 'open', hub: true });
      expect(o.warnings.join('\n')).toMatch(new RegExp(`VRDMA_HUB_VERSION: .*protocol version ${NEWER}.*uses a hub of its own at ${own}`));
      return child;
    }));
    const stats = await hubStats(own);
    scope.track(stats.pid);
    expect(stats['nodes']).toBe(2);
    const [a, b] = await Promise.all(opened.map(async (c) => {
      const { endpoint, mem } = await c.call<{ endpoint: never; mem: never }>({ op: 'setup', size: 4096 });
      return { child: c, endpoint, mem, gid: '', lid: 0 };
    }));
    await connect(a!, b!);
    await a!.child.call({ op: 'fill', offset: 0, len: 32, seed: 3 });
    const wcs = await a!.child.call<ChildWc[]>({ op: 'post', wait: true, wrs: [{ wrId: 1, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 32, remoteOffset: 64 }] });
    expect(wcs.map((w) => w.status)).toEqual([0]);
    const p = await probeHub(other);
    expect(p.reachable).toBe(true);
    expect(p.version).toBe(HUB_PROTOCOL_VERSION);
    expect(p.detail).toMatch(new RegExp(`another protocol version.*uses its own at ${own}: hub pid ${stats.pid}, protocol version ${HUB_PROTOCOL_VERSION}`));
  });

  it('a client of another version (older or newer): the hub refuses it with its own version and why, logs it, and serves the others', async () => {
    const scope = current();
    const dir = scope.runtimeDir();
    const sock = hubSocket(dir);
    const hub = await startHub(scope, scope.env(dir, { VRDMA_HUB_IDLE_MS: '0' }), ['--listen', sock]);
    let log = '';
    hub.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
    for (const v of [HUB_PROTOCOL_VERSION - 1, NEWER]) {
      const answer = await new Promise<unknown>((resolve, reject) => {
        const s = createConnection(sock);
        const reader = new JsonFrameReader();
        s.on('connect', () => s.write(encodeJsonFrame({ t: 'hello', v, pid: 1 })));
        s.on('data', (d: Buffer) => { const m = reader.push(d)[0]; if (m) { s.destroy(); resolve(m); } });
        s.on('error', reject);
      });
      expect(answer).toMatchObject({ t: 'error', code: 'ERR_HUB_VERSION', v: HUB_PROTOCOL_VERSION, message: expect.stringMatching(/runs a hub of its own/) });
    }
    expect((await hubStats(sock)).pid).toBe(hub.pid);
    expect(log).toMatch(/dropped client \d+: ERR_HUB_VERSION: this hub speaks protocol version/);
  });

  it('vrdma doctor reports the hub and its protocol version', async () => {
    const scope = current();
    const dir = scope.runtimeDir();
    const hub = await startHub(scope, scope.env(dir, { VRDMA_HUB_IDLE_MS: '0' }), ['--listen', hubSocket(dir)]);
    const r = runVrdma(['doctor', '--json'], { VRDMA_RUNTIME_DIR: dir });
    const check = (jsonOf(r) as { checks: Array<{ id: string; status: string; detail: string }> }).checks.find((c) => c.id === 'loopback-hub');
    expect(check).toMatchObject({ status: 'ok', detail: expect.stringContaining(`hub pid ${hub.pid}, protocol version ${HUB_PROTOCOL_VERSION}`) });
  });
});
