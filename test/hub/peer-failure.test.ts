import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WcStatus, WrOpcode } from '../../lib/index.js';
import { createConnection } from 'node:net';
import { statSync } from 'node:fs';
import { HubConnection } from '../../lib/providers/loopback/hub/hub-connection.js';
import { parseAddress } from '../../lib/providers/loopback/hub/address.js';
import { Scope, hubSocket, requireBuild, sleep } from './helpers.js';
import { pair } from './pair.js';
import type { ChildWc } from './peer-child.js';

let scope: Scope;
beforeAll(() => requireBuild());
beforeEach(() => {
  scope = new Scope();
});
afterEach(async () => {
  await scope.dispose();
});

function poke(path: string, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    const t = setTimeout(() => reject(new Error('the peer kept a garbage connection open')), 5000);
    s.on('connect', () => s.write(bytes));
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(t); resolve(); });
  });
}

describe('loopback hub: a peer process dies', () => {
  it('garbage on a peer socket is dropped; the process keeps working', async () => {
    const { a, b, dir } = await pair(scope, 65536);
    const probe = await HubConnection.open(parseAddress(hubSocket(dir)), { token: null, role: 'probe' }, 3000);
    const where = await probe.request({ t: 'resolve', gid: b.gid });
    probe.close();
    const path = String(where['peer']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await poke(path, Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await poke(path, Buffer.from([9, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8]));
    // a request header announcing 1 GiB before any hello: refused before anything is buffered
    await poke(path, Buffer.concat([Buffer.from([0, 0, 0, 0x40, 1]), Buffer.alloc(100)]));
    await b.child.call({ op: 'recv', count: 1, offset: 0, len: 64 });
    const w = await a.child.call<ChildWc[]>({ op: 'post', wait: true, wrs: [{ wrId: 1, opcode: WrOpcode.SEND, offset: 0, len: 64 }] });
    expect(w[0]!.status).toBe(WcStatus.SUCCESS);
    expect((await b.child.call<ChildWc[]>({ op: 'wait', count: 1, timeoutMs: 2000 }))[0]!.status).toBe(WcStatus.SUCCESS);
  });

  it('SIGKILL of the peer fails the QP within 2 s: RETRY_EXC_ERR, then WR_FLUSH_ERR, and QP_FATAL', async () => {
    const { a, b } = await pair(scope, 65536);
    await a.child.call({ op: 'recv', count: 2, offset: 0, len: 64 });
    // b posted no receive: the SENDs wait in RNR retry (for ever by default)
    await a.child.call({
      op: 'post', wait: false,
      wrs: [1, 2, 3].map((i) => ({ wrId: i, opcode: WrOpcode.SEND, offset: 1024, len: 100 })),
    });
    await sleep(50);
    const t0 = Date.now();
    b.child.proc.kill('SIGKILL');
    const wcs = await a.child.call<ChildWc[]>({ op: 'wait', count: 5, timeoutMs: 2000 });
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(2000);
    const sends = wcs.filter((w) => w.wrId < 1000).map((w) => [w.wrId, w.status]);
    const recvs = wcs.filter((w) => w.wrId >= 1000).map((w) => [w.wrId, w.status]);
    expect(sends).toEqual([[1, WcStatus.RETRY_EXC_ERR], [2, WcStatus.WR_FLUSH_ERR], [3, WcStatus.WR_FLUSH_ERR]]);
    expect(recvs).toEqual([[1000, WcStatus.WR_FLUSH_ERR], [1001, WcStatus.WR_FLUSH_ERR]]);
    const events = await a.child.call<Array<{ typeName: string; detail: string }>>({ op: 'events' });
    const fatal = events.find((e) => e.typeName === 'QP_FATAL');
    expect(fatal?.detail).toMatch(/lost the connection to loopback process/);
  });

  it('a peer that closes its context gracefully fails the QPs connected to it the same way', async () => {
    const { a, b } = await pair(scope, 65536);
    await a.child.call({ op: 'recv', count: 1, offset: 0, len: 64 });
    await b.child.call({ op: 'close' });
    const wcs = await a.child.call<ChildWc[]>({ op: 'wait', count: 1, timeoutMs: 2000 });
    expect(wcs.map((w) => [w.wrId, w.status])).toEqual([[1000, WcStatus.WR_FLUSH_ERR]]);
    const events = await a.child.call<Array<{ typeName: string; detail: string }>>({ op: 'events' });
    expect(events.find((e) => e.typeName === 'QP_FATAL')?.detail).toMatch(/closed/);
  });
});

describe('loopback hub: a peer process stops answering', () => {
  it('SIGSTOP of the peer: the request completes with RETRY_EXC_ERR after the local ACK timer runs out', async () => {
    const { a, b } = await pair(scope, 65536);
    await b.child.call({ op: 'recv', count: 1, offset: 0, len: 64 });
    b.child.proc.kill('SIGSTOP');
    try {
      // default attributes: timeout 14 (67 ms) and retryCnt 7, so about 0.55 s before RETRY_EXC_ERR
      await a.child.call({ op: 'post', wait: false, wrs: [1, 2].map((i) => ({ wrId: i, opcode: WrOpcode.SEND, offset: 0, len: 64 })) });
      const wcs = await a.child.call<ChildWc[]>({ op: 'wait', count: 2, timeoutMs: 5000 });
      expect(wcs.map((w) => [w.wrId, w.status])).toEqual([[1, WcStatus.RETRY_EXC_ERR], [2, WcStatus.WR_FLUSH_ERR]]);
    } finally {
      b.child.proc.kill('SIGCONT');
    }
  });
});
