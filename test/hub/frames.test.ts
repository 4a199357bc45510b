import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QpType, WrOpcode } from '../../lib/index.js';
import type { MrBackend } from '../../lib/provider/spi.js';
import type { RequestPacket, ResponsePacket } from '../../lib/providers/loopback/packets.js';
import { BytesPayload, SgePayload, snapshot, type Payload } from '../../lib/providers/loopback/payload.js';
import { FrameWriter } from '../../lib/providers/loopback/hub/frame-writer.js';
import { FrameReader } from '../../lib/providers/loopback/hub/frame-reader.js';
import { FrameType, decodeRequest, decodeResponse } from '../../lib/providers/loopback/hub/peer-wire.js';
import { JsonFrameReader, encodeJsonFrame } from '../../lib/providers/loopback/hub/json-frames.js';

let dir: string;
let server: Server;
let sender: Socket;
const received: Buffer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vrdma-frames-'));
  const path = join(dir, 's.sock');
  server = createServer((s) => s.on('data', (d: Buffer) => received.push(d)));
  await new Promise<void>((r) => server.listen(path, r));
  sender = createConnection(path);
  await new Promise((r) => sender.once('connect', r));
});
afterAll(() => {
  sender.destroy();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function mr(bytes: Uint8Array): MrBackend {
  return { lkey: 1, rkey: 1, addr: 0n, length: bytes.length, bytes, close() {} };
}

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(new SharedArrayBuffer(Math.max(n, 1))).subarray(0, n);
  for (let i = 0; i < n; i++) b[i] = (i * 13 + seed) & 0xff;
  return b;
}

/** Odd requests are atomics (every 64-bit field travels), even ones sends (those fields are 0). */
function req(i: number, payload: Payload, qpType: number = QpType.RC): RequestPacket {
  const atomic = i % 2 === 1;
  return {
    srcGid: 'fe80::7672:646d:6100:2', srcLid: 2, srcQpn: 0x200 + i, dstQpn: 0x300 + i, psn: 2 ** 40 + i,
    opcode: atomic ? WrOpcode.ATOMIC_CMP_AND_SWP : WrOpcode.SEND_WITH_IMM,
    pkey: 0x8000 + i, payload, imm: 0xfedcba98, remoteAddr: atomic ? 0x7f00_0000_1000n + BigInt(i) : 0n, rkey: 0xabcdef01, readLength: i,
    compareAdd: atomic ? 2n ** 64n - 1n : 0n, swap: atomic ? 12345678901234567890n : 0n, qkey: 0x11111111, qpType, solicited: i % 2 === 0,
  };
}

describe('peer frames', () => {
  it('requests, responses and control frames survive any chunking, payloads by copy or by reference', async () => {
    const writer = new FrameWriter(sender);
    const big = pattern(200_000, 1);
    const sent: Array<{ kind: 'req'; pkt: RequestPacket; bytes: Uint8Array } | { kind: 'resp'; pkt: ResponsePacket; bytes: Uint8Array | null } | { kind: 'ctl'; t: string }> = [];
    const payloads: Payload[] = [
      new BytesPayload(new Uint8Array(0)),
      new BytesPayload(pattern(8, 2)),
      new SgePayload([{ mr: mr(big), offset: 5, length: 8192 }], 8192),
      new SgePayload([{ mr: mr(big), offset: 100, length: 8193 }], 8193),
      new SgePayload([{ mr: mr(big), offset: 0, length: 100_000 }, { mr: mr(pattern(70_000, 3)), offset: 7, length: 60_000 }], 160_000),
      new BytesPayload(pattern(50_000, 4)),
    ];
    payloads.forEach((p, i) => {
      const pkt = req(i, p, i === 4 ? QpType.UC : QpType.RC);
      writer.request(pkt, 3);
      sent.push({ kind: 'req', pkt, bytes: snapshot(p) });
    });
    const resp: ResponsePacket = { dstQpn: 77, psn: 5, syndrome: 2, rnrDelayMs: 9, data: null, atomicOrig: 2n ** 63n };
    writer.response(resp, 4);
    sent.push({ kind: 'resp', pkt: resp, bytes: null });
    const read: ResponsePacket = { ...resp, syndrome: 0, data: new BytesPayload(big.subarray(0, 150_000)) };
    writer.response(read, 4);
    sent.push({ kind: 'resp', pkt: read, bytes: big.slice(0, 150_000) });
    writer.control({ t: 'up', lid: 9, gid: 'fe80::7672:646d:6100:9' });
    sent.push({ kind: 'ctl', t: 'up' });
    await new Promise((r) => setTimeout(r, 50));
    const total = sent.reduce((n, s) => n + (s.kind === 'req' ? 72 + s.bytes.length : s.kind === 'resp' ? 40 + (s.bytes?.length ?? 0) : 0), 0);
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (received.reduce((n, b) => n + b.length, 0) >= total) resolve();
        else setTimeout(check, 10);
      };
      check();
    });
    const all = Buffer.concat(received);
    for (const step of [1, 3, 71, 4096, 65536, all.length]) {
      const got: Array<{ type: number; head: Buffer; body: Buffer }> = [];
      const reader = new FrameReader((type, head, body) => got.push({ type, head: Buffer.from(head), body }));
      for (let o = 0; o < all.length; o += step) reader.push(all.subarray(o, o + step));
      expect(reader.idle).toBe(true);
      expect(got.length).toBe(sent.length);
      got.forEach((g, i) => {
        const s = sent[i]!;
        if (s.kind === 'req') {
          expect(g.type).toBe(FrameType.REQUEST);
          const d = decodeRequest(g.head, g.body, s.pkt.srcGid);
          expect({ ...d, payload: null }).toEqual({ ...s.pkt, payload: null });
          expect(Buffer.from(g.body).equals(Buffer.from(s.bytes))).toBe(true);
        } else if (s.kind === 'resp') {
          expect(g.type).toBe(FrameType.RESPONSE);
          const d = decodeResponse(g.head, g.body);
          expect({ ...d, data: null }).toEqual({ ...s.pkt, data: null });
          expect(d.data === null).toBe(s.bytes === null);
          if (s.bytes) expect(Buffer.from(g.body).equals(Buffer.from(s.bytes))).toBe(true);
        } else {
          expect(g.type).toBe(FrameType.CONTROL);
          expect(JSON.parse(g.body.toString())).toMatchObject({ t: s.t, lid: 9 });
        }
      });
    }
  });

  it('rejects an unknown frame type and impossible lengths', () => {
    const reader = new FrameReader(() => {});
    expect(() => reader.push(Buffer.from([1, 0, 0, 0, 9]))).toThrow(/unknown peer frame type/);
    expect(() => new FrameReader(() => {}).push(Buffer.from([3, 0, 0, 0, 1]))).toThrow(/bad length/);
    expect(() => new FrameReader(() => {}).push(Buffer.from([0xff, 0xff, 0xff, 0xff, 3]))).toThrow(/bad length/);
  });
});

describe('hub frames', () => {
  it('decode across any split and refuse bad ones', () => {
    const bytes = Buffer.concat([encodeJsonFrame({ t: 'hello', v: 1 }), encodeJsonFrame({ t: 'stats', req: 3, x: 'é' })]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const r = new JsonFrameReader();
      const got = [...r.push(bytes.subarray(0, cut)), ...r.push(bytes.subarray(cut))];
      expect(got).toEqual([{ t: 'hello', v: 1 }, { t: 'stats', req: 3, x: 'é' }]);
      expect(r.pendingBytes).toBe(0);
    }
    expect(() => new JsonFrameReader().push(Buffer.from([0, 1, 0, 1]))).toThrow(/larger than the limit/);
  });
});
