// Connections set up by the connection manager (via: 'cm'): the same
// program on loop0 (host, 127.0.0.1) and rxe0 (VM, the rxe netdev's address).
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CmEventType, CmRejectReason, ConnectionRejectedError, ExchangeError, InvalidArgumentError, TimeoutError, UnsupportedError, WorkCompletionError,
  connect, listen, type CmId, type Connection, type ConnectionListener, type Context, type ListenOptions,
} from '../../lib/index.js';
import { WAIT_MS, cmTestAddress, cmTestPort, openTestContext, pattern, rejection, testDeviceName, until } from './harness.js';
import { moveDataBothWays } from './connection-traffic.js';

let ctx: Context;
let host: string;
/** Why the test device has no CM (native without librdmacm), or null. */
let noCm: string | null = null;
const cleanups: Array<() => unknown> = [];
beforeAll(async () => {
  ctx = await openTestContext();
  host = cmTestAddress(ctx);
  try {
    ctx.createCmId().close();
  } catch (err) {
    if (!(err instanceof UnsupportedError)) throw err;
    noCm = err.message;
  }
  return () => ctx.close();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A CM listener on a fresh port of the test device's address, closed after the test. */
async function cmListener(options: Partial<ListenOptions> = {}): Promise<{ l: ConnectionListener; port: number }> {
  const l = await listen({ via: 'cm', host, port: cmTestPort(), context: ctx, timeoutMs: WAIT_MS, ...options });
  cleanups.push(() => l.close());
  return { l, port: (l.address as { port: number }).port };
}

/** Both ends of one connection made through the CM. */
async function cmPair(options: Partial<ListenOptions> = {}, clientOptions: Partial<ListenOptions> = options): Promise<[Connection, Connection]> {
  const { l, port } = await cmListener(options);
  const [server, client] = await Promise.all([l.accept(), connect({ ...clientOptions, via: 'cm', host, port, context: ctx, timeoutMs: WAIT_MS } as never)]);
  cleanups.push(() => client.close(), () => server.close());
  return [server, client];
}

describe(`Connection through the CM on ${testDeviceName()}`, () => {
  beforeEach((t) => {
    if (noCm !== null) t.skip(noCm);
  });

  it('moves verified data both ways; the regions and payloads arrive whether or not they fit in the private data', async () => {
    // the connector's hello (a region and 40 payload bytes) is over the 56 bytes of connect's private data
    const [server, client] = await cmPair({ expose: 4096, payload: pattern(40, 7) }, { expose: 4096, payload: new Uint8Array([1, 2, 3]) });
    expect(Array.from(server.peerPayload)).toEqual([1, 2, 3]);
    expect(Buffer.from(client.peerPayload).equals(Buffer.from(pattern(40, 7)))).toBe(true);
    expect(server.peerRegions).toHaveLength(1);
    expect(client.peerRegions).toHaveLength(1);
    expect([client.qp.stateName, server.qp.stateName]).toEqual(['RTS', 'RTS']);

    await moveDataBothWays(server, client);
    client.memory!.fill(0, 64, 72);
    expect(await server.fetchAdd({ offset: 64 }, 5n)).toBe(0n);
    expect(await server.compareSwap({ offset: 64 }, 5n, 9n)).toBe(5n);
    expect(Buffer.from(client.memory!.buffer, client.memory!.byteOffset + 64, 8).readBigUInt64LE(0)).toBe(9n);
  });

  it('a hello larger than a message travels in several SENDs, and messages sent at once after it arrive in order', async () => {
    const payload = pattern(5000, 11);
    const { l, port } = await cmListener({ messageSize: 1024, payload });
    const accepted = l.accept();
    const client = await connect({ via: 'cm', host, port, context: ctx, timeoutMs: WAIT_MS, messageSize: 1024, payload: pattern(3000, 12) });
    cleanups.push(() => client.close());
    // the listener side may not have taken its Connection yet: these wait in its receives
    for (let i = 0; i < 3; i++) await client.send(new Uint8Array([i, i, i]));
    const server = await accepted;
    cleanups.push(() => server.close());
    expect(Buffer.from(client.peerPayload).equals(Buffer.from(payload))).toBe(true);
    expect(Buffer.from(server.peerPayload).equals(Buffer.from(pattern(3000, 12)))).toBe(true);
    for (let i = 0; i < 3; i++) expect(Array.from(await server.recv())).toEqual([i, i, i]);
  });

  it('disconnect is the goodbye: the peer ends with ERR_PEER_GONE, both release everything', async () => {
    const [server, client] = await cmPair({ expose: 4096 });
    const waiting = rejection(server.recv());
    await client.write(pattern(256, 9), { offset: 0 });
    await client.close();
    const err = await waiting;
    expect(err).toBeInstanceOf(WorkCompletionError);
    await until(() => server.closed && server.qp.closed);
    expect(server.failure?.code).toBe('ERR_DISCONNECTED');
    expect(await rejection(server.send(new Uint8Array(1)))).toMatchObject({ code: 'ERR_PEER_GONE' });
    expect(Buffer.from(server.memory!.subarray(0, 256)).equals(Buffer.from(pattern(256, 9)))).toBe(true);
    for (const c of [client, server]) {
      expect([c.qp.closed, c.cq.closed, c.pd.closed, c.regions.every((r) => r.closed)]).toEqual([true, true, true, true]);
    }
  });

  it('a connect nobody listens for is rejected (reason 8) once connectTimeoutMs has passed', async () => {
    const err = await rejection(connect({ via: 'cm', host, port: cmTestPort(), context: ctx, connectTimeoutMs: 300, retryMs: 50 }));
    expect(err).toBeInstanceOf(ConnectionRejectedError);
    expect((err as ConnectionRejectedError).reason).toBe(CmRejectReason.INVALID_SERVICE_ID);
  });

  it('a request that is not a Connection\'s is rejected saying why; accept() rejects with ERR_EXCHANGE_MALFORMED and the listener goes on', async () => {
    const { l, port } = await cmListener();
    const raw = ctx.createCmId();
    cleanups.push(() => raw.close());
    await raw.resolveAddr({ address: host, port }, { timeoutMs: WAIT_MS });
    await raw.resolveRoute({ timeoutMs: WAIT_MS });
    raw.createQp(ctx.allocPd(), { sendCq: ctx.createCq() });
    const refused = rejection(raw.connect({ privateData: new TextEncoder().encode('not a hello at all') }));
    const failed = await rejection(l.accept());
    expect(failed).toBeInstanceOf(ExchangeError);
    expect((failed as ExchangeError).code).toBe('ERR_EXCHANGE_MALFORMED');
    const err = await refused;
    expect(err).toBeInstanceOf(ConnectionRejectedError);
    expect((err as ConnectionRejectedError).reason).toBe(CmRejectReason.CONSUMER_DEFINED);
    expect(new TextDecoder().decode((err as ConnectionRejectedError).privateData!)).toMatch(/hello/);
    const [server, client] = await Promise.all([l.accept(), connect({ via: 'cm', host, port, context: ctx, timeoutMs: WAIT_MS })]);
    cleanups.push(() => client.close(), () => server.close());
    const got = server.recv();
    await client.send(new Uint8Array([42]));
    expect(Array.from(await got)).toEqual([42]);
  });

  it('a listener that never answers: connect() ends with TimeoutError after timeoutMs, its CM id closed', async () => {
    const port = cmTestPort();
    const silent: CmId = ctx.createCmId();
    cleanups.push(() => silent.close());
    silent.bind({ address: host, port });
    await silent.listen();
    const err = await rejection(connect({ via: 'cm', host, port, context: ctx, timeoutMs: 1500 }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).operation).toBe('rdma_connect');
    const ev = await silent.nextEvent();
    expect(ev.type).toBe(CmEventType.CONNECT_REQUEST);
    ev.id?.close();
  });

  it('bad input is an InvalidArgumentError before anything is opened', async () => {
    await expect(connect({ via: 'tcp' as never, port: 1 })).rejects.toThrow(InvalidArgumentError);
    await expect(connect({ via: 'cm', host: 'localhost', port: 1 })).rejects.toThrow(/numeric IPv4 or IPv6/);
    await expect(connect({ via: 'cm', path: '/tmp/x.sock' })).rejects.toThrow(/Unix socket path/);
    await expect(connect({ via: 'cm', host, port: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(listen({ via: 'cm', path: '/tmp/x.sock' })).rejects.toThrow(/Unix socket path/);
    await expect(listen({ via: 'cm', host: 'example.org', port: 1 })).rejects.toThrow(InvalidArgumentError);
    const pd = ctx.allocPd();
    cleanups.push(() => pd.close());
    const qp = pd.createQp({ type: 2, sendCq: ctx.createCq() });
    await expect(connect({ via: 'cm', host, port: 1, qp })).rejects.toThrow(/pass no qp/);
  });
});
