import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeKeys, encodeKeys, KEY_RECORD_SIZE, KEY_RECORD_SIZE_GID, type PeerKeys } from '../../lib/perf/wire/keys.js';
import { OobLink } from '../../lib/perf/wire/link.js';
import { PerftestSession, WIRE_VERSION } from '../../lib/perf/wire/session.js';
import { gidBytes, gidText } from '../../lib/perf/gid-bytes.js';
import { BINARY_RECORD_SIZE, BINARY_RECORD_SIZE_628, binaryRecords } from '../../lib/perf/wire/binary-keys.js';

const keys: PeerKeys = {
  lid: 0x12, outReads: 0x10, qpn: 0xabcde, psn: 0x123456, rkey: 0xdeadbeef, vaddr: 0x7f00_1234_5000n,
  gid: gidBytes('::ffff:10.99.0.1'), srqn: 0,
};

describe('perftest connection records', () => {
  it('writes the GID form byte for byte as perftest does, NUL-padded to 108 bytes', () => {
    const b = encodeKeys(keys, true);
    expect(b.length).toBe(KEY_RECORD_SIZE_GID);
    const text = b.subarray(0, b.indexOf(0)).toString('latin1');
    expect(text).toBe('0012:0010:0abcde:123456:deadbeef:00007f0012345000:00:00:00:00:00:00:00:00:00:00:ff:ff:0a:63:00:01:00000000:');
    expect(b.subarray(text.length).every((x) => x === 0)).toBe(true);
    expect(decodeKeys(b, true)).toEqual(keys);
  });

  it('writes the form without GID in 59 bytes', () => {
    const b = encodeKeys({ ...keys, gid: null }, false);
    expect(b.length).toBe(KEY_RECORD_SIZE);
    expect(b.subarray(0, b.indexOf(0)).toString('latin1')).toBe('0012:0010:0abcde:123456:deadbeef:00007f0012345000:00000000');
    expect(decodeKeys(b, false)).toEqual({ ...keys, gid: null });
  });

  it('refuses a record of the other form with a hint about -x', () => {
    expect(() => decodeKeys(encodeKeys({ ...keys, gid: null }, false), true)).toThrow(/-x on both/);
  });

  it('converts GIDs between IPv6 text and bytes', () => {
    for (const g of ['fe80::1', '::ffff:10.99.0.1', 'fe80::5054:ff:fe12:3456', '::', '2001:db8:0:1:2:3:4:5']) {
      expect(gidText(gidBytes(g))).toBe(g);
    }
    expect(() => gidBytes('nope')).toThrow(/not an IPv6 address/);
  });
});

describe('perftest out-of-band session', () => {
  const closers: Array<() => unknown> = [];
  afterEach(() => { for (const c of closers.splice(0)) c(); });

  it('client and server settle MTU, cycle buffer and reports, in lock step', async () => {
    const port = 19000 + Math.floor(Math.random() * 2000);
    const accepting = OobLink.accept(port, 10_000);
    const clientLink = await OobLink.connect('127.0.0.1', port, 5_000);
    const serverLink = await accepting;
    const client = new PerftestSession(clientLink, 'client', true);
    const server = new PerftestSession(serverLink, 'server', true);
    const [c, s] = await Promise.all([client.preamble(3, 4096, 64), server.preamble(5, 65536, 128)]);
    expect(c).toEqual({ peerVersion: WIRE_VERSION, cycleBuffer: 65536, cacheLine: 128, mtu: 3 });
    expect(s).toEqual(c);
    const theirs = { ...keys, qpn: 7 };
    const [fromServer, fromClient] = await Promise.all([client.handshake(keys), server.handshake(theirs)]);
    expect(fromServer).toEqual(theirs);
    expect(fromClient).toEqual(keys);
    const report = { size: 65536, iters: 5000, bwPeak: 1234.5, bwAvg: 1000.25, msgRate: 0.016 };
    const [, got] = await Promise.all([client.bwReports(report), server.bwReports({ size: 0, iters: 0, bwPeak: 0, bwAvg: 0, msgRate: 0 })]);
    expect(got).toEqual(report);
    await Promise.all([client.finish(keys), server.finish(theirs)]);
  });

  it('speaks the exact bytes a perftest server expects, and refuses old peers', async () => {
    const seen: Buffer[] = [];
    const server = net.createServer((s) => {
      s.on('data', (d: Buffer) => {
        seen.push(d);
        const v = Buffer.alloc(16);
        v.write('5.60');
        s.write(v);
      });
    });
    closers.push(() => server.close());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const link = await OobLink.connect('127.0.0.1', port, 5_000);
    closers.push(() => void link.close());
    const session = new PerftestSession(link, 'client', false);
    await expect(session.preamble(3, 4096, 64)).rejects.toMatchObject({ code: 'ERR_PERF_PEER_VERSION' });
    const first = Buffer.concat(seen);
    expect(first.length).toBe(16);
    expect(first.subarray(0, first.indexOf(0)).toString()).toBe(WIRE_VERSION);
  });
});

describe('perftest -R connection records (binary)', () => {
  it('writes the 56-byte struct for peers before 6.28, integers big-endian, and reads it back', () => {
    const r = binaryRecords('6.06');
    expect(r.size).toBe(BINARY_RECORD_SIZE);
    const b = r.encode(keys);
    expect(b.length).toBe(56);
    expect(b.subarray(0, 24).toString('hex')).toBe('00000012' + '00000010' + '000abcde' + '00123456' + 'deadbeef' + '00000000');
    expect(b.readBigUInt64BE(24)).toBe(0x7f00_1234_5000n);
    expect(Buffer.from(b.subarray(32, 48))).toEqual(Buffer.from(keys.gid!));
    expect(r.decode(b)).toEqual(keys);
  });

  it('writes the 64-byte struct (a tail-marker address before the GID) for peers from 6.28 on', () => {
    const r = binaryRecords('6.28');
    expect(r.size).toBe(BINARY_RECORD_SIZE_628);
    const b = r.encode({ ...keys, srqn: 7 });
    expect(b.readBigUInt64BE(32)).toBe(0n);
    expect(Buffer.from(b.subarray(40, 56))).toEqual(Buffer.from(keys.gid!));
    expect(b.readUInt32BE(56)).toBe(7);
    expect(r.decode(b)).toEqual({ ...keys, srqn: 7 });
  });

  it('refuses a short record', () => {
    expect(() => binaryRecords('6.28').decode(new Uint8Array(56))).toThrow(/56-byte connection record/);
  });
});
