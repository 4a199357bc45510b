import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { HUB_PROTOCOL_VERSION, JsonFrameReader, encodeJsonFrame, type JsonMessage } from '../../lib/providers/loopback/hub/json-frames.js';
import { Scope, alive, hubSocket, hubStats, requireBuild, startHub } from './helpers.js';

let scope: Scope;
let hub: ChildProcess;
let sock: string;
/** What the hub logged (its stderr) since it listens. */
let log = '';
/** How long the hub of these tests lets a frame take to arrive whole. */
const FRAME_MS = 1000;

beforeAll(async () => {
  requireBuild();
  scope = new Scope();
  const dir = scope.runtimeDir();
  sock = hubSocket(dir);
  hub = await startHub(scope, scope.env(dir, { VRDMA_HUB_IDLE_MS: '0', VRDMA_HUB_FRAME_MS: String(FRAME_MS) }), ['--listen', sock]);
  hub.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
});
afterAll(async () => {
  await scope.dispose();
});

function frame(body: string | Buffer): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const out = Buffer.alloc(4 + b.length);
  out.writeUInt32BE(b.length, 0);
  b.copy(out, 4);
  return out;
}

const hello = encodeJsonFrame({ t: 'hello', v: HUB_PROTOCOL_VERSION, pid: 1 });

/** Send `chunks` (then end, when asked) and collect what the hub says until it closes; bounded by 5 s. */
function exchange(chunks: readonly Buffer[], end = false): Promise<{ frames: JsonMessage[]; closedByHub: boolean }> {
  return new Promise((resolve, reject) => {
    const s = createConnection(sock);
    const reader = new JsonFrameReader();
    const frames: JsonMessage[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`the hub kept the connection open; got ${JSON.stringify(frames)}`));
    }, 5000);
    s.on('connect', () => {
      for (const c of chunks) s.write(c);
      if (end) s.end();
    });
    s.on('data', (d: Buffer) => frames.push(...reader.push(d)));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ frames, closedByHub: !end });
    });
  });
}

function errorCode(r: { frames: JsonMessage[] }): unknown {
  return r.frames.find((f) => f.t === 'error')?.['code'];
}

describe('the hub survives malformed frames', () => {
  it.each([
    ['a zero length', [frame('')]],
    ['an oversized length', [Buffer.from([0x00, 0x10, 0x00, 0x00, 0x7b])]],
    ['garbage (an HTTP request)', [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')]],
    ['bad JSON', [frame('{"t": "hello", nope')]],
    ['JSON that is not an object', [frame('[1,2,3]')]],
    ['an object without a type', [frame('{"v":1}')]],
    ['a request before hello', [encodeJsonFrame({ t: 'stats', req: 1 })]],
    ['an unknown type', [hello, encodeJsonFrame({ t: 'format-disk', req: 1 })]],
    ['a field of the wrong type', [hello, encodeJsonFrame({ t: 'register', req: 'one', peer: 5 })]],
    ['a resolve without a GID', [hello, encodeJsonFrame({ t: 'resolve', req: 2 })]],
    ['a huge request id', [hello, encodeJsonFrame({ t: 'stats', req: 2 ** 40 })]],
  ])('%s: error frame, then disconnect', async (_what, chunks) => {
    const r = await exchange(chunks);
    expect(r.closedByHub).toBe(true);
    expect(errorCode(r)).toBe('ERR_HUB_PROTOCOL');
    expect(alive(hub.pid!)).toBe(true);
  });

  it('a hello with another protocol version gets ERR_HUB_VERSION', async () => {
    const r = await exchange([encodeJsonFrame({ t: 'hello', v: 99 })]);
    expect(errorCode(r)).toBe('ERR_HUB_VERSION');
  });

  it('half a frame, then close: nothing to answer, no crash', async () => {
    const half = frame(JSON.stringify({ t: 'hello', v: 1, pid: 1 })).subarray(0, 9);
    await exchange([half], true);
    await exchange([hello, half], true);
    await exchange([Buffer.from([0, 0])], true);
    expect(alive(hub.pid!)).toBe(true);
  });

  it.each([
    ['before hello', [Buffer.from([0, 0, 0, 40]), Buffer.from('{"t":"hel')]],
    ['after hello', [hello, encodeJsonFrame({ t: 'stats', req: 1 }).subarray(0, 6)]],
    ['only part of the length', [hello, Buffer.from([0, 0])]],
  ])('half a frame left hanging (%s): the hub drops the connection with an error frame and logs why', async (_when, chunks) => {
    const r = await exchange(chunks);
    expect(r.closedByHub).toBe(true);
    expect(r.frames.find((f) => f.t === 'error')).toMatchObject({ code: 'ERR_HUB_PROTOCOL', message: expect.stringMatching(/still incomplete/) });
    expect(log).toMatch(/dropped client \d+.*: ERR_HUB_PROTOCOL: a frame began \d+ ms ago and is still incomplete/);
    expect(alive(hub.pid!)).toBe(true);
  });

  it('a frame split byte by byte is fine', async () => {
    const bytes = Buffer.concat([hello, encodeJsonFrame({ t: 'stats', req: 7 })]);
    const r = await new Promise<JsonMessage[]>((resolve, reject) => {
      const s = createConnection(sock);
      const reader = new JsonFrameReader();
      const got: JsonMessage[] = [];
      const timer = setTimeout(() => reject(new Error('no stats answer')), 5000);
      s.on('connect', async () => {
        for (const b of bytes) {
          s.write(Buffer.from([b]));
          await new Promise((r2) => setImmediate(r2));
        }
      });
      s.on('data', (d: Buffer) => {
        got.push(...reader.push(d));
        if (got.some((m) => m.t === 'stats')) {
          clearTimeout(timer);
          s.destroy();
          resolve(got);
        }
      });
    });
    expect(r.map((m) => m.t)).toEqual(['welcome', 'stats']);
  });

  it('afterwards a good client still works and the hub counted the rejections', async () => {
    const stats = await hubStats(sock);
    expect(stats.pid).toBe(hub.pid);
    expect(stats['rejected']).toBeGreaterThanOrEqual(12);
    expect(alive(hub.pid!)).toBe(true);
  });
});
