import { afterEach, describe, expect, it } from 'vitest';
import { createConnection, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExchangeError, ProviderName, QpType, type Endpoint } from '../../lib/index.js';
import { ExchangeListener } from '../../lib/connection/exchange/exchange-listener.js';
import { dial } from '../../lib/connection/exchange/dial.js';
import { FrameStream } from '../../lib/connection/exchange/frame-stream.js';
import { ExchangeLink } from '../../lib/connection/exchange/exchange-link.js';
import { decodeHello, encodeHello, type Hello } from '../../lib/connection/exchange/hello.js';
import { EXCHANGE_VERSION, FrameType, HEADER_BYTES, encodeFrame } from '../../lib/connection/exchange/wire.js';
import type { NetAddress } from '../../lib/connection/exchange/address.js';

const endpoint: Endpoint = {
  v: 1, provider: ProviderName.LOOPBACK, lid: 7, gid: 'fe80::1:2', gidIndex: 0, qpn: 0x1234, psn: 0xabcde, qpType: QpType.RC, mtu: 3, port: 1,
};
const hello = (tag: number): Hello => ({
  endpoint: { ...endpoint, qpn: 0x1000 + tag },
  regions: [{ addr: '18446744073709551615', length: 4096, rkey: 0xdeadbeef }, { addr: '4096', length: 2 ** 40, rkey: tag }],
  recvBytes: 65536,
  payload: new Uint8Array([tag, 1, 2, 3]),
});

const cleanups: Array<() => void> = [];
afterEach(() => { for (const c of cleanups.splice(0)) c(); });

async function listener(address: NetAddress = { host: '127.0.0.1', port: 0 }): Promise<ExchangeListener> {
  const l = await ExchangeListener.open(address, 8);
  cleanups.push(() => l.close());
  return l;
}

/** A listener and one raw client socket: the test plays the misbehaving peer on `raw`. */
async function rawPeer(maxFrameBytes = 1 << 20): Promise<{ stream: FrameStream; link: ExchangeLink; raw: Socket }> {
  const l = await listener();
  const accepted = l.accept();
  const raw = await dial(l.address, Date.now() + 5000, 50);
  cleanups.push(() => raw.destroy());
  raw.on('error', () => {});
  const stream = new FrameStream(await accepted, maxFrameBytes);
  return { stream, link: new ExchangeLink(stream), raw };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ExchangeError);
    return (err as ExchangeError).code;
  }
  throw new Error('expected a rejection');
}

describe('exchange wire format', () => {
  it('a HELLO survives encoding: endpoint, 64-bit addresses and lengths, rkeys, payload', () => {
    const h = hello(9);
    expect(decodeHello(encodeHello(h))).toEqual(h);
    const withQkey = { ...h, endpoint: { ...h.endpoint, qpType: QpType.UD, qkey: 0x11111111 } };
    expect(decodeHello(encodeHello(withQkey)).endpoint.qkey).toBe(0x11111111);
  });

  it('bytes after the known HELLO fields are ignored (additions within a version)', () => {
    const bytes = Buffer.concat([encodeHello(hello(1)), Buffer.from([1, 2, 3])]);
    expect(decodeHello(bytes)).toEqual(hello(1));
  });

  it('a short or out-of-range HELLO is ERR_EXCHANGE_MALFORMED', () => {
    const bytes = encodeHello(hello(1));
    for (const cut of [0, 10, 25, bytes.length - 1]) {
      expect(() => decodeHello(bytes.subarray(0, cut))).toThrow(expect.objectContaining({ code: 'ERR_EXCHANGE_MALFORMED' }));
    }
    const badProvider = Buffer.from(bytes); badProvider[0] = 9;
    expect(() => decodeHello(badProvider)).toThrow(expect.objectContaining({ code: 'ERR_EXCHANGE_MALFORMED' }));
    const badQpn = Buffer.from(bytes); badQpn.writeUInt32BE(0x1000000, 8);
    expect(() => decodeHello(badQpn)).toThrow(/qpn/);
  });

  it('the header is magic VRDX, version, type, two zero bytes, a big-endian length', () => {
    const f = encodeFrame(FrameType.READY, new Uint8Array([5, 6]));
    expect([...f]).toEqual([0x56, 0x52, 0x44, 0x58, EXCHANGE_VERSION, 2, 0, 0, 0, 0, 0, 2, 5, 6]);
    expect(HEADER_BYTES).toBe(12);
  });
});

describe('exchange over a socket', () => {
  it.each(['tcp', 'unix'])('both sides swap hellos and get ready over %s, then say done', async (kind) => {
    let address: NetAddress = { host: '127.0.0.1', port: 0 };
    if (kind === 'unix') {
      const dir = mkdtempSync(join(tmpdir(), 'vrdma-x-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      address = { path: join(dir, 'x.sock') };
    }
    const l = await listener(address);
    const [sa, sb] = await Promise.all([l.accept(), dial(l.address, Date.now() + 5000, 50)]);
    const a = new ExchangeLink(new FrameStream(sa, 1 << 20));
    const b = new ExchangeLink(new FrameStream(sb, 1 << 20));
    const brought: number[] = [];
    const [pa, pb] = await Promise.all([
      a.establish(hello(1), async (p) => { brought.push(p.endpoint.qpn); }, 5000),
      b.establish(hello(2), async (p) => { brought.push(p.endpoint.qpn); }, 5000),
    ]);
    expect(pa).toEqual(hello(2));
    expect(pb).toEqual(hello(1));
    expect(brought.sort()).toEqual([0x1001, 0x1002]);
    const gone = new Promise((resolve) => b.watch((g) => { void b.finish(5000); resolve(g); }));
    a.watch(() => {});
    await a.finish(5000);
    expect(await gone).toMatchObject({ graceful: true });
  });

  it('the connector retries until the listener appears', async () => {
    const probe = await ExchangeListener.open({ host: '127.0.0.1', port: 0 }, 1);
    const port = (probe.address as { port: number }).port;
    probe.close();
    const dialing = dial({ host: '127.0.0.1', port }, Date.now() + 10_000, 20);
    await new Promise((r) => setTimeout(r, 100));
    const l = await listener({ host: '127.0.0.1', port });
    const [s] = await Promise.all([dialing, l.accept()]);
    s.destroy();
  });
});

describe('exchange failures are typed ExchangeErrors', () => {
  it('another version: ERR_EXCHANGE_VERSION', async () => {
    const { link, raw } = await rawPeer();
    raw.write(encodeFrame(FrameType.HELLO, encodeHello(hello(2)), EXCHANGE_VERSION + 1));
    expect(await code(link.establish(hello(1), async () => {}, 5000))).toBe('ERR_EXCHANGE_VERSION');
  });

  it('garbage: ERR_EXCHANGE_MALFORMED', async () => {
    const { link, raw } = await rawPeer();
    raw.write('GET / HTTP/1.1\r\n\r\n');
    expect(await code(link.establish(hello(1), async () => {}, 5000))).toBe('ERR_EXCHANGE_MALFORMED');
  });

  it('an unknown frame type: ERR_EXCHANGE_MALFORMED', async () => {
    const { link, raw } = await rawPeer();
    const f = encodeFrame(FrameType.READY); f[5] = 77;
    raw.write(f);
    expect(await code(link.establish(hello(1), async () => {}, 5000))).toBe('ERR_EXCHANGE_MALFORMED');
  });

  it('a frame cut short by the peer closing: ERR_EXCHANGE_TRUNCATED', async () => {
    const { link, raw } = await rawPeer();
    const f = encodeFrame(FrameType.HELLO, encodeHello(hello(2)));
    raw.end(f.subarray(0, f.length - 5));
    expect(await code(link.establish(hello(1), async () => {}, 5000))).toBe('ERR_EXCHANGE_TRUNCATED');
  });

  it('a frame over the limit: ERR_EXCHANGE_OVERSIZED, refused from its header alone', async () => {
    const { link, raw } = await rawPeer(1024);
    const header = encodeFrame(FrameType.HELLO).subarray(0, HEADER_BYTES);
    header.writeUInt32BE(0x4000_0000, 8);
    raw.write(header);
    expect(await code(link.establish(hello(1), async () => {}, 5000))).toBe('ERR_EXCHANGE_OVERSIZED');
  });

  it('a peer that never answers: ERR_EXCHANGE_TIMEOUT after the configured time', async () => {
    const { link } = await rawPeer();
    expect(await code(link.establish(hello(1), async () => {}, 200))).toBe('ERR_EXCHANGE_TIMEOUT');
  });

  it('a peer that stops after its HELLO (never READY): ERR_EXCHANGE_TIMEOUT', async () => {
    const { link, raw } = await rawPeer();
    raw.write(encodeFrame(FrameType.HELLO, encodeHello(hello(2))));
    expect(await code(link.establish(hello(1), async () => {}, 200))).toBe('ERR_EXCHANGE_TIMEOUT');
  });

  it('a frame out of turn: ERR_EXCHANGE_UNEXPECTED', async () => {
    const { link, raw } = await rawPeer();
    raw.write(encodeFrame(FrameType.READY));
    expect(await code(link.establish(hello(1), async () => {}, 5000))).toBe('ERR_EXCHANGE_UNEXPECTED');
  });

  it('the peer gives up: ERR_EXCHANGE_PEER_ABORTED with its reason', async () => {
    const { link, raw } = await rawPeer();
    raw.write(encodeFrame(FrameType.ABORT, Buffer.from('no memory for you')));
    await expect(link.establish(hello(1), async () => {}, 5000)).rejects.toMatchObject({ code: 'ERR_EXCHANGE_PEER_ABORTED', message: /no memory for you/ });
  });

  it('the peer hangs up between frames: ERR_EXCHANGE_CLOSED', async () => {
    const { link, raw } = await rawPeer();
    raw.end();
    expect(await code(link.establish(hello(1), async () => {}, 5000))).toBe('ERR_EXCHANGE_CLOSED');
  });

  it('a failing step tells the peer why with an ABORT frame', async () => {
    const l = await listener();
    const [sa, sb] = await Promise.all([l.accept(), dial(l.address, Date.now() + 5000, 50)]);
    const a = new ExchangeLink(new FrameStream(sa, 1 << 20));
    const b = new ExchangeLink(new FrameStream(sb, 1 << 20));
    const failing = a.establish(hello(1), async () => { throw new Error('cannot connect the QP'); }, 5000);
    const waiting = b.establish(hello(2), async () => {}, 5000);
    await expect(failing).rejects.toThrow('cannot connect the QP');
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_EXCHANGE_PEER_ABORTED', message: /cannot connect the QP/ });
  });

  it('nobody listening until the deadline: ERR_EXCHANGE_UNREACHABLE', async () => {
    const probe = await ExchangeListener.open({ host: '127.0.0.1', port: 0 }, 1);
    const address = probe.address;
    probe.close();
    expect(await code(dial(address, Date.now() + 300, 50))).toBe('ERR_EXCHANGE_UNREACHABLE');
  });

  it('an address in use: ERR_EXCHANGE_LISTEN', async () => {
    const l = await listener();
    expect(await code(ExchangeListener.open(l.address, 1))).toBe('ERR_EXCHANGE_LISTEN');
  });
});
