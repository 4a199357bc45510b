// The connection manager on the test device: the same CmId program on loop0
// (host) and rxe0 (VM). Addresses are this host's: 127.0.0.1 on loop0, the
// rxe netdev's address in the VM.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ClosedError, CmEventType, UnsupportedError, CmRejectReason, ConnectionRejectedError, InvalidArgumentError, QpState, VerbsError,
  WcStatus, WrOpcode, type CmConnectOptions, type CmEvent, type CmId, type CompletionQueue, type Context, type ProtectionDomain, type QueuePair,
} from '../../lib/index.js';
import { cmTestAddress, cmTestPort, collect, openTestContext, pattern, region } from './harness.js';

interface Side {
  readonly id: CmId;
  readonly qp: QueuePair;
  readonly cq: CompletionQueue;
}

let ctx: Context | undefined;
afterEach(() => {
  ctx?.close();
  ctx = undefined;
});

async function setup(): Promise<{ ctx: Context; pd: ProtectionDomain; address: string; port: number }> {
  ctx = await openTestContext();
  return { ctx, pd: ctx.allocPd(), address: cmTestAddress(ctx), port: cmTestPort() };
}

async function listener(c: Context, address: string, port: number): Promise<CmId> {
  const id = c.createCmId();
  id.bind({ address, port });
  await id.listen(4);
  return id;
}

/** The next event of `id` that is not one of `skip`. */
async function nextOf(id: CmId, type: number): Promise<CmEvent> {
  for (;;) {
    const ev = await id.nextEvent();
    if (ev.type === type) return ev;
  }
}

/** Connect a client to `server` (listening), accepting with `acceptData`; both sides' QPs end in RTS. */
async function connectPair(c: Context, pd: ProtectionDomain, server: CmId, address: string, port: number, connecting: CmConnectOptions = {}, accepting: CmConnectOptions = {}): Promise<{ client: Side; served: Side; request: CmEvent; accepted: Uint8Array | null }> {
  const client = c.createCmId();
  await client.resolveAddr({ address, port }, { timeoutMs: 5000 });
  await client.resolveRoute({ timeoutMs: 5000 });
  const ccq = c.createCq({ depth: 64 });
  const cqp = client.createQp(pd, { sendCq: ccq, maxSendWr: 16, maxRecvWr: 16 });
  const connected = client.connect(connecting);
  const request = await nextOf(server, CmEventType.CONNECT_REQUEST);
  const child = request.id!;
  const scq = c.createCq({ depth: 64 });
  const sqp = child.createQp(pd, { sendCq: scq, maxSendWr: 16, maxRecvWr: 16 });
  const [established] = await Promise.all([connected, child.accept(accepting)]);
  return { client: { id: client, qp: cqp, cq: ccq }, served: { id: child, qp: sqp, cq: scq }, request, accepted: established.privateData };
}

/** Why the test device has no CM (native without librdmacm), or null. */
let noCm: string | null = null;
beforeAll(async () => {
  const c = await openTestContext();
  try {
    c.createCmId().close();
  } catch (err) {
    if (!(err instanceof UnsupportedError)) throw err;
    noCm = err.message;
  } finally {
    c.close();
  }
});

describe(`rdma_cm on ${process.env['VRDMA_TEST_DEVICE'] ?? 'loop0'}`, () => {
  beforeEach((t) => {
    if (noCm !== null) t.skip(noCm);
  });

  it('connects with private data both ways, moves data, and disconnects both sides', async () => {
    const { ctx: c, pd, address, port } = await setup();
    const server = await listener(c, address, port);
    const hello = new TextEncoder().encode('hello from the client');
    const welcome = pattern(100, 5);
    const { client, served, request, accepted } = await connectPair(c, pd, server, address, port, { privateData: hello }, { privateData: welcome });
    expect(request.typeName).toBe('CONNECT_REQUEST');
    expect(Buffer.from(request.privateData!.subarray(0, hello.length)).toString()).toBe('hello from the client');
    expect(Buffer.from(accepted!.subarray(0, 100)).equals(Buffer.from(welcome))).toBe(true);
    expect(client.qp.state).toBe(QpState.RTS);
    expect(served.qp.state).toBe(QpState.RTS);
    expect(client.id.state).toBe('connected');
    expect(served.id.state).toBe('connected');
    expect(served.id.remoteAddress?.address).toBe(address);
    expect(client.id.remoteAddress).toEqual({ address, port });

    const src = region(pd, 4096);
    const dst = region(pd, 4096, 0xee);
    src.buffer.set(pattern(3000, 9));
    served.qp.postRecv({ wrId: 1, sgList: [{ mr: dst }] });
    client.qp.postSend({ wrId: 2, opcode: WrOpcode.SEND, sgList: [{ mr: src, length: 3000 }] });
    const [r] = await collect(served.cq, 1);
    expect(r).toMatchObject({ wrId: 1, status: WcStatus.SUCCESS, byteLen: 3000 });
    expect(Buffer.from(dst.buffer.subarray(0, 3000)).equals(Buffer.from(pattern(3000, 9)))).toBe(true);
    await collect(client.cq, 1);

    served.qp.postSend({ wrId: 3, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr: dst, length: 2000 }], remoteAddr: src.addr + 1000n, rkey: src.rkey });
    const [w] = await collect(served.cq, 1);
    expect(w!.status).toBe(WcStatus.SUCCESS);
    expect(Buffer.from(src.buffer.subarray(1000, 3000)).equals(Buffer.from(pattern(3000, 9).subarray(0, 2000)))).toBe(true);

    client.qp.postRecv({ wrId: 4, sgList: [{ mr: src }] });
    await client.id.disconnect();
    expect(client.id.state).toBe('disconnected');
    const ev = await nextOf(served.id, CmEventType.DISCONNECTED);
    expect(ev.typeName).toBe('DISCONNECTED');
    expect(served.id.state).toBe('disconnected');
    const [flushed] = await collect(client.cq, 1);
    expect(flushed).toMatchObject({ wrId: 4, status: WcStatus.WR_FLUSH_ERR });
    expect(client.qp.state).toBe(QpState.ERR);
  });

  it('the connector\'s read depths reach the listener, and each QP gets its side of them', async () => {
    const { ctx: c, pd, address, port } = await setup();
    const server = await listener(c, address, port);
    // Powers of two: Soft-RoCE rounds the depths up to one.
    const { client, served, request } = await connectPair(c, pd, server, address, port, { responderResources: 4, initiatorDepth: 2 });
    expect(request).toMatchObject({ initiatorDepth: 2, responderResources: 4 });
    expect(served.qp.query()).toMatchObject({ maxDestRdAtomic: 2, maxRdAtomic: 4 });
    expect(client.qp.query()).toMatchObject({ maxDestRdAtomic: 4, maxRdAtomic: 2 });
  });

  it('a reject reaches the connector with its private data', async () => {
    const { ctx: c, pd, address, port } = await setup();
    const server = await listener(c, address, port);
    const client = c.createCmId();
    await client.resolveAddr({ address, port });
    await client.resolveRoute();
    client.createQp(pd, { sendCq: c.createCq() });
    const connecting = client.connect({ privateData: new Uint8Array([1, 2, 3]) });
    const req = await nextOf(server, CmEventType.CONNECT_REQUEST);
    req.id!.reject(new TextEncoder().encode('go away'));
    const err = await connecting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionRejectedError);
    const rej = err as ConnectionRejectedError;
    expect(rej.reason).toBe(CmRejectReason.CONSUMER_DEFINED);
    expect(Buffer.from(rej.privateData!.subarray(0, 7)).toString()).toBe('go away');
    expect(client.state).toBe('failed');
    const ev = await nextOf(client, CmEventType.REJECTED);
    expect(ev.status).toBe(CmRejectReason.CONSUMER_DEFINED);
  });

  it('a connect to a port nobody listens on is REJECTED', async () => {
    const { ctx: c, pd, address, port } = await setup();
    const client = c.createCmId();
    await client.resolveAddr({ address, port });
    await client.resolveRoute();
    client.createQp(pd, { sendCq: c.createCq() });
    const err = await client.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionRejectedError);
    expect((err as ConnectionRejectedError).reason).toBe(CmRejectReason.INVALID_SERVICE_ID);
  });

  it('a second listener on the same port gets EADDRINUSE', async () => {
    const { ctx: c, address, port } = await setup();
    await listener(c, address, port);
    const second = c.createCmId();
    let err: unknown;
    try {
      second.bind({ address, port });
      await second.listen();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VerbsError);
    expect((err as VerbsError).code).toBe('EADDRINUSE');
  });

  it('refuses bad addresses, ports, private data and call order before the CM sees them', async () => {
    const { ctx: c, pd, address, port } = await setup();
    const id = c.createCmId();
    expect(() => id.bind({ address: 'localhost', port: 1 })).toThrow(InvalidArgumentError);
    expect(() => id.bind({ address, port: 70000 })).toThrow(InvalidArgumentError);
    expect(() => id.bind({ address, port: 1, extra: 1 } as never)).toThrow(/nearest|unknown|extra/);
    await expect(id.resolveAddr({ address: '10.0.0.300', port })).rejects.toThrow(InvalidArgumentError);
    await expect(id.resolveAddr({ address, port: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(id.resolveAddr({ address, port }, { timeoutMs: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(id.connect()).rejects.toThrow(/ERR_BAD_STATE|needs a CM id/);
    await expect(id.listen()).rejects.toThrow(/needs a CM id that is bound/);
    await id.resolveAddr({ address, port });
    await id.resolveRoute();
    id.createQp(pd, { sendCq: c.createCq() });
    await expect(id.connect({ privateData: new Uint8Array(57) })).rejects.toThrow(/57 bytes.*at most 56/);
    expect(() => c.createCmId({ portSpace: 0x111 })).toThrow(InvalidArgumentError);
    expect(id.state).toBe('route-resolved');
  });

  it('close() is idempotent, closes the id\'s QP, ends iteration; the context closes its ids', async () => {
    const { ctx: c, pd, address, port } = await setup();
    const server = await listener(c, address, port);
    const iterating = (async () => {
      const seen: string[] = [];
      for await (const ev of server) seen.push(ev.typeName);
      return seen;
    })();
    const id = c.createCmId();
    await id.resolveAddr({ address, port });
    await id.resolveRoute();
    const qp = id.createQp(pd, { sendCq: c.createCq() });
    id.close();
    id.close();
    expect(id.closed).toBe(true);
    expect(qp.closed).toBe(true);
    await expect(id.resolveRoute()).rejects.toThrow(ClosedError);
    {
      using scoped = c.createCmId();
      expect(scoped.closed).toBe(false);
    }
    const other = c.createCmId();
    c.close();
    expect(server.closed).toBe(true);
    expect(other.closed).toBe(true);
    expect(await iterating).toEqual([]);
  });
});
