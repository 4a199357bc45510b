import { createServer, type Server } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortedError, Access, ClosedError, Connection, ConnectionListener, ExchangeError, InvalidArgumentError, WorkCompletionError,
  connect, listen, type Context, type ListenOptions,
} from '../../lib/index.js';
import { WAIT_MS, openTestContext, pattern, rejection, testDeviceName, until } from './harness.js';
import { moveDataBothWays } from './connection-traffic.js';

let ctx: Context;
const cleanups: Array<() => unknown> = [];
beforeAll(async () => {
  ctx = await openTestContext();
  return () => ctx.close();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A listener on a free port of 127.0.0.1 sharing the test context, closed after the test. */
async function listener(options: Partial<ListenOptions> = {}): Promise<{ l: ConnectionListener; port: number }> {
  const l = await listen({ port: 0, context: ctx, timeoutMs: WAIT_MS, ...options });
  cleanups.push(() => l.close());
  return { l, port: (l.address as { port: number }).port };
}

/** Both ends of one connection on the test device. */
async function pair(options: Partial<ListenOptions> = {}, clientOptions: Partial<ListenOptions> = options): Promise<[Connection, Connection]> {
  const { l, port } = await listener(options);
  const [server, client] = await Promise.all([l.accept(), connect({ ...clientOptions, port, context: ctx, timeoutMs: WAIT_MS } as never)]);
  cleanups.push(() => client.close(), () => server.close());
  return [server, client];
}


describe(`Connection on ${testDeviceName()}`, () => {
  it('moves data both ways: send/recv, write/read, fetchAdd and compareSwap', async () => {
    const [server, client] = await pair({ expose: 4096, payload: new Uint8Array([1, 2, 3]) });
    expect(Array.from(server.peerPayload)).toEqual([1, 2, 3]);
    expect(server.peerRegions).toHaveLength(1);
    expect(client.qp.stateName).toBe('RTS');

    await moveDataBothWays(server, client);

    server.memory!.fill(0, 4000, 4016);
    expect(await client.fetchAdd({ offset: 4000 }, 5n)).toBe(0n);
    expect(await client.fetchAdd({ offset: 4000 }, 7n)).toBe(5n);
    expect(await client.compareSwap({ offset: 4000 }, 12n, 99n)).toBe(12n);
    expect(await client.compareSwap({ offset: 4000 }, 12n, 1n)).toBe(99n);
    expect(Buffer.from(server.memory!.buffer, server.memory!.byteOffset + 4000, 8).readBigUInt64LE(0)).toBe(99n);
  });

  it('works zero-copy from and into the user\'s own regions, beside exposed user regions', async () => {
    const pd = ctx.allocPd();
    cleanups.push(() => pd.close());
    const mine = pd.registerMemory(ctx.allocBuffer(8192), Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ | Access.REMOTE_ATOMIC);
    const [server, client] = await pair({ pd, regions: [mine] }, {});
    expect(server.regions).toEqual([mine]);
    const src = client.pd.registerMemory(ctx.allocBuffer(8192), Access.LOCAL_WRITE);
    src.buffer.set(pattern(8192, 6));
    await client.write({ mr: src }, { region: 0 });
    expect(Buffer.from(mine.buffer).equals(Buffer.from(src.buffer))).toBe(true);
    const dst = client.pd.registerMemory(ctx.allocBuffer(8192), Access.LOCAL_WRITE);
    const view = await client.read({ offset: 4096 }, { mr: dst, offset: 100, length: 4096 });
    expect(Buffer.from(view).equals(Buffer.from(mine.buffer.subarray(4096)))).toBe(true);
    await client.close();
    await server.close();
    expect(mine.closed).toBe(false);
    expect(pd.closed).toBe(false);
  });

  it('bounds the operations in flight: the next one waits for a slot, and all complete', async () => {
    const [server, client] = await pair({ expose: 1 << 16, maxInFlight: 2, messageSize: 1024 });
    let most = 0;
    const writes = Array.from({ length: 24 }, (_, i) => client.write(pattern(1024, i), { offset: i * 1024 }).then(() => { most = Math.max(most, client.inFlight); }));
    await Promise.resolve();
    expect(client.inFlight).toBeLessThanOrEqual(2);
    await Promise.all(writes);
    expect(most).toBeLessThanOrEqual(2);
    for (let i = 0; i < 24; i++) {
      expect(Buffer.from(server.memory!.subarray(i * 1024, (i + 1) * 1024)).equals(Buffer.from(pattern(1024, i)))).toBe(true);
    }
  });

  it('messages wait in the posted receives until recv() takes them, in order', async () => {
    const [server, client] = await pair({ recvDepth: 4, messageSize: 64 });
    for (let i = 0; i < 3; i++) await client.send(new Uint8Array([i, i, i]));
    for (let i = 0; i < 3; i++) expect(Array.from(await server.recv())).toEqual([i, i, i]);
  });

  it('an AbortSignal gives up a recv() and an operation still waiting for a slot (nothing is sent)', async () => {
    const [server, client] = await pair({ expose: 4096, maxInFlight: 1, messageSize: 64 });
    const ac = new AbortController();
    const waiting = server.recv({ signal: ac.signal });
    ac.abort();
    expect(await rejection(waiting)).toBeInstanceOf(AbortedError);
    const first = client.write(new Uint8Array([1]), { offset: 0 });
    const ac2 = new AbortController();
    const second = client.write(new Uint8Array([2]), { offset: 8 }, { signal: ac2.signal });
    ac2.abort('changed my mind');
    expect(await rejection(second)).toMatchObject({ code: 'ERR_ABORTED' });
    await first;
    expect(server.memory![0]).toBe(1);
    expect(server.memory![8]).toBe(0);
    const pre = new AbortController();
    pre.abort();
    expect(await rejection(client.send(new Uint8Array(1), { signal: pre.signal }))).toBeInstanceOf(AbortedError);
    // the connection goes on
    const r = server.recv();
    await client.send(new Uint8Array([9]));
    expect(Array.from(await r)).toEqual([9]);
  });

  it('close() waits for the operations asked for before it (posted or waiting for a slot); the peer\'s waiting recv() then rejects naming the flush, and both release everything', async () => {
    const [server, client] = await pair({ expose: 1 << 16, messageSize: 4096, maxInFlight: 2 });
    const waiting = rejection(server.recv());
    const writes = Promise.all(Array.from({ length: 8 }, (_, i) => client.write(pattern(4096, i), { offset: i * 4096 })));
    await client.close();
    await writes;
    for (let i = 0; i < 8; i++) expect(Buffer.from(server.memory!.subarray(i * 4096, (i + 1) * 4096)).equals(Buffer.from(pattern(4096, i)))).toBe(true);
    const err = await waiting;
    expect(err).toBeInstanceOf(WorkCompletionError);
    expect((err as WorkCompletionError).code).toBe('ERR_WC_WR_FLUSH_ERR');
    await until(() => server.qp.closed);
    for (const c of [client, server]) {
      expect(c.closed).toBe(true);
      expect([c.qp.closed, c.cq.closed, c.pd.closed, c.regions.every((r) => r.closed)]).toEqual([true, true, true, true]);
    }
    expect(await rejection(client.send(new Uint8Array(1)))).toBeInstanceOf(ClosedError);
    expect(await rejection(server.send(new Uint8Array(1)))).toMatchObject({ code: 'ERR_PEER_GONE' });
    await client.close();
  });

  it('64 connections at once to one listener, each moving its own data', async () => {
    const { l, port } = await listener({ messageSize: 64, maxInFlight: 2, recvDepth: 2, backlog: 64 });
    const clients = Promise.all(Array.from({ length: 64 }, () => connect({ port, context: ctx, messageSize: 64, maxInFlight: 2, recvDepth: 2, timeoutMs: WAIT_MS * 3 })));
    const servers: Connection[] = [];
    for (let i = 0; i < 64; i++) servers.push(await l.accept());
    const cs = await clients;
    cleanups.push(() => Promise.all([...cs, ...servers].map((c) => c.close())));
    const byQpn = new Map(servers.map((s) => [s.qp.remote!.qpn, s]));
    await Promise.all(cs.map(async (c, i) => {
      const s = byQpn.get(c.qp.qpn)!;
      const got = s.recv();
      await c.send(new Uint8Array([i, 255 - i]));
      expect(Array.from(await got)).toEqual([i, 255 - i]);
    }));
  });

  it('bad input is an InvalidArgumentError before anything is opened or sent', async () => {
    await expect(connect({ port: 70000 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(connect({ port: 0 })).rejects.toThrow(/options\.port/);
    await expect(connect({} as never)).rejects.toThrow(/port or a Unix socket path/);
    await expect(connect({ port: 1, path: '/tmp/x' } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(listen({ port: 1, host: '' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(connect({ port: 1, payload: new Uint8Array(2 << 20) })).rejects.toThrow(/options\.payload/);
    await expect(connect({ port: 1, messageSize: 100 })).rejects.toThrow(/multiple of 8/);
    await expect(connect({ port: 1, regions: new Array(65536).fill({}) })).rejects.toThrow(/options\.regions: .*at most 65535 regions, got 65536/);
    await expect(listen({ port: 0, via: 'cm', expose: 64, regions: new Array(65535).fill({}) })).rejects.toThrow(/at most 65534 regions besides the one options\.expose adds/);
    await expect(connect({ port: 1, prot: 1 } as never)).rejects.toThrow(/port/);
    const [server, client] = await pair({ expose: 256, messageSize: 64 });
    await expect(client.send(new Uint8Array(65))).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(client.write(new Uint8Array(16), { offset: 250 })).rejects.toThrow(/past the end/);
    await expect(client.write(new Uint8Array(8), { region: 3 })).rejects.toThrow(/no region 3/);
    await expect(client.fetchAdd({ offset: 4 }, 1n)).rejects.toThrow(/aligned/);
    await expect(client.read({}, 1000)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(server.inFlight).toBe(0);
  });

  it('nobody listening: ERR_EXCHANGE_UNREACHABLE once the deadline passes', async () => {
    const probe = await listener();
    probe.l.close();
    const err = await rejection(connect({ port: probe.port, context: ctx, connectTimeoutMs: 300, retryMs: 50 }));
    expect(err).toBeInstanceOf(ExchangeError);
    expect((err as ExchangeError).code).toBe('ERR_EXCHANGE_UNREACHABLE');
  });

  it('a listener that never answers: ERR_EXCHANGE_TIMEOUT within the configured time; an abort ends the wait sooner', async () => {
    const silent: Server = createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    cleanups.push(() => new Promise((r) => silent.close(r)));
    silent.on('connection', (s) => cleanups.push(() => s.destroy()));
    const port = (silent.address() as { port: number }).port;
    expect(await rejection(connect({ port, context: ctx, timeoutMs: 300 }))).toMatchObject({ code: 'ERR_EXCHANGE_TIMEOUT' });
    const ac = new AbortController();
    const pending = connect({ port, context: ctx, timeoutMs: 60_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    expect(await rejection(pending)).toBeInstanceOf(AbortedError);
  });

  it('a listener gets garbage from a client: accept() rejects with the typed error and goes on', async () => {
    const { l, port } = await listener();
    const { connect: rawConnect } = await import('node:net');
    const raw = rawConnect(port, '127.0.0.1');
    raw.on('error', () => {});
    raw.write('SSH-2.0-OpenSSH\r\n');
    cleanups.push(() => raw.destroy());
    expect(await rejection(l.accept())).toMatchObject({ code: 'ERR_EXCHANGE_MALFORMED' });
    const [server, client] = await Promise.all([l.accept(), connect({ port, context: ctx, timeoutMs: WAIT_MS })]);
    cleanups.push(() => client.close(), () => server.close());
    expect(server.closed).toBe(false);
  });
});
