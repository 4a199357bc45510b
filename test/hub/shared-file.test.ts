import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, openSync, readdirSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { WcOpcode, WcStatus, WrOpcode } from '../../lib/index.js';
import type { MappingStats } from '../../lib/providers/loopback/mapping/stats.js';
import { SHARED_FILE_MAGIC, SHARED_FILE_PAGE } from '../../lib/providers/loopback/mapping/shared-file-header.js';
import { SharedFile } from '../../lib/providers/loopback/mapping/shared-file.js';
import { nativeAddon } from '../../lib/providers/native/provider.js';
import { Scope, freePort, hubStats, requireBuild } from './helpers.js';
import { connect, side, type Side } from './pair.js';
import type { ChildWc } from './peer-child.js';

const loaded = nativeAddon();
const addon = process.platform === 'linux' && 'addon' in loaded && typeof loaded.addon.fileMap === 'function' ? loaded.addon : null;
const FILE_BYTES = 8 << 20;
const TOKEN = 'sh4red';

let scope: Scope;
const files: string[] = [];
beforeAll(() => requireBuild());
beforeEach(() => {
  scope = new Scope();
});
afterEach(async () => {
  await scope.dispose();
  for (const f of files.splice(0)) rmSync(f, { force: true });
});

/** A fresh file under /dev/shm of `bytes` zero bytes (or these bytes). */
function tempFile(bytes: number | Buffer): string {
  const path = `/dev/shm/vrdma-test-file-${process.pid}-${randomBytes(6).toString('hex')}`;
  files.push(path);
  writeFileSync(path, typeof bytes === 'number' ? Buffer.alloc(bytes) : bytes);
  return path;
}

function firstWord(path: string): number {
  const fd = openSync(path, 'r');
  const b = Buffer.alloc(4);
  readSync(fd, b, 0, 4, 0);
  closeSync(fd);
  return b.readInt32LE(0);
}

/** This user's POSIX shared memory objects created by process `pid`. */
function objectsOf(pid: number): string[] {
  const uid = process.getuid?.() ?? 0;
  return readdirSync('/dev/shm').filter((n) => n.startsWith(`vrdma-${uid}-${pid}-`));
}

/** Two processes on a TCP hub with a token, each given `fileOf(i)` as its shared file. */
async function tcpPair(fileOf: (i: number) => string, size: number): Promise<{ a: Side; b: Side }> {
  const address = `tcp://127.0.0.1:${await freePort()}`;
  const dir = scope.runtimeDir();
  const envOf = (i: number): NodeJS.ProcessEnv => scope.env(dir, { VRDMA_HUB: address, VRDMA_HUB_TOKEN: TOKEN, VRDMA_LOOPBACK_SHARED_FILE: fileOf(i) });
  const [ca, cb] = await Promise.all([scope.child(envOf(0)), scope.child(envOf(1))]);
  const [a, b] = await Promise.all([side(ca, size), side(cb, size)]);
  scope.track((await hubStats(address, TOKEN)).pid);
  // a patient local ACK timeout (about 4.3 s): a retransmission on a loaded host would add to the exact counts checked
  await connect(a, b, { timeout: 20 });
  return { a, b };
}

async function info(s: Side): Promise<{ warnings: string[]; mapping: MappingStats }> {
  return s.child.call<{ warnings: string[]; mapping: MappingStats }>({ op: 'info' });
}

async function post(s: Side, wrs: ReadonlyArray<{ wrId: number; opcode: number; offset: number; len: number; remoteOffset?: number }>): Promise<ChildWc[]> {
  await s.child.call({ op: 'post', wait: false, wrs });
  return s.child.call<ChildWc[]>({ op: 'wait', count: wrs.length, timeoutMs: 5000 });
}

/** WRITE a→b, READ b→a and SEND a→b; the bytes arrive intact. */
async function exchange(a: Side, b: Side): Promise<void> {
  await a.child.call({ op: 'fill', offset: 0, len: 100_000, seed: 3 });
  await b.child.call({ op: 'fill', offset: 200_000, len: 50_000, seed: 4 });
  const wcs = await post(a, [
    { wrId: 1, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: 100_000, remoteOffset: 4096 },
    { wrId: 2, opcode: WrOpcode.RDMA_READ, offset: 150_000, len: 50_000, remoteOffset: 200_000 },
  ]);
  expect(wcs.map((w) => [w.wrId, w.status, w.opcode])).toEqual([[1, WcStatus.SUCCESS, WcOpcode.RDMA_WRITE], [2, WcStatus.SUCCESS, WcOpcode.RDMA_READ]]);
  expect(await b.child.call({ op: 'hash', offset: 4096, len: 100_000 })).toBe(await a.child.call({ op: 'hash', offset: 0, len: 100_000 }));
  expect(await a.child.call({ op: 'hash', offset: 150_000, len: 50_000 })).toBe(await b.child.call({ op: 'hash', offset: 200_000, len: 50_000 }));
  await b.child.call({ op: 'recv', count: 1, offset: 0, len: 30_000 });
  expect((await post(a, [{ wrId: 3, opcode: WrOpcode.SEND, offset: 0, len: 30_000 }]))[0]!.status).toBe(WcStatus.SUCCESS);
  expect((await b.child.call<ChildWc[]>({ op: 'wait', count: 1, timeoutMs: 5000 }))[0]).toMatchObject({ status: WcStatus.SUCCESS, byteLen: 30_000 });
  expect(await b.child.call({ op: 'hash', offset: 0, len: 30_000 })).toBe(await a.child.call({ op: 'hash', offset: 0, len: 30_000 }));
}

describe.skipIf(addon === null)('loop0 through one shared file (VRDMA_LOOPBACK_SHARED_FILE)', () => {
  it('two processes on a TCP hub with a token, given the same file: WRITE, READ and SEND move their bytes through it, none over the socket', async () => {
    const file = tempFile(FILE_BYTES);
    const { a, b } = await tcpPair(() => file, 256 * 1024);
    expect(firstWord(file)).toBe(SHARED_FILE_MAGIC);
    expect(objectsOf(a.child.pid)).toEqual([]);
    await exchange(a, b);
    expect((await info(a)).mapping).toEqual({ requestsOut: 3, bytesOut: 180_000, requestsIn: 0, bytesIn: 0 });
    expect((await info(b)).mapping).toEqual({ requestsOut: 0, bytesOut: 0, requestsIn: 3, bytesIn: 180_000 });
    expect([...(await info(a)).warnings, ...(await info(b)).warnings]).toEqual([]);
  });

  it('two processes given different files keep the socket: data intact, nothing mapped', async () => {
    const files2 = [tempFile(FILE_BYTES), tempFile(FILE_BYTES)];
    const { a, b } = await tcpPair((i) => files2[i]!, 256 * 1024);
    await exchange(a, b);
    expect((await info(a)).mapping).toEqual({ requestsOut: 0, bytesOut: 0, requestsIn: 0, bytesIn: 0 });
    expect((await info(b)).mapping).toEqual({ requestsOut: 0, bytesOut: 0, requestsIn: 0, bytesIn: 0 });
  });

  it('a file with a foreign header, or too small, is not used: a warning, and data still intact over the socket', async () => {
    const foreign = tempFile(Buffer.concat([Buffer.from('not a loop0 file'), Buffer.alloc(FILE_BYTES)]));
    const small = tempFile(SHARED_FILE_PAGE);
    const { a, b } = await tcpPair((i) => (i === 0 ? foreign : small), 256 * 1024);
    await exchange(a, b);
    expect((await info(a)).warnings).toEqual([expect.stringMatching(/^VRDMA_SHARED_FILE: .*not a loop0 shared file/)]);
    expect((await info(b)).warnings).toEqual([expect.stringMatching(/^VRDMA_SHARED_FILE: .*holds 4096 bytes/)]);
    expect((await info(a)).mapping.requestsOut).toBe(0);
  });
});

describe.skipIf(addon === null)('SharedFile: regions of one mapped file', () => {
  it('users of one file share its id; their regions do not overlap and each sees the other\'s bytes', () => {
    const path = tempFile(FILE_BYTES);
    const one = new SharedFile(addon!, path);
    const two = new SharedFile(addon!, path);
    expect(two.hostKey).toBe(one.hostKey);
    expect(one.hostKey).toMatch(/^file:[0-9a-f]{32}$/);
    const x = one.create(5000)!;
    const y = two.create(100)!;
    expect(x.name).not.toBe(y.name);
    new Uint8Array(x.buffer).fill(7);
    new Uint8Array(y.buffer).fill(9);
    const xThere = new Uint8Array(two.open(x.name, 5000));
    expect(xThere.every((v) => v === 7)).toBe(true);
    expect(new Uint8Array(one.open(y.name, 100)).every((v) => v === 9)).toBe(true);
    expect(two.creatorOf(x.name)).toBe(process.pid);
    expect(() => two.open('@1-0', 100)).toThrow(RangeError);
    expect(() => two.open(`@1-${(FILE_BYTES / SHARED_FILE_PAGE - 1).toString(16)}`, 2 * SHARED_FILE_PAGE)).toThrow(RangeError);
  });

  it('a full file gives null (the caller falls back to private memory)', () => {
    const one = new SharedFile(addon!, tempFile(4 * SHARED_FILE_PAGE));
    expect(one.create(2 * SHARED_FILE_PAGE)).not.toBeNull();
    expect(one.create(SHARED_FILE_PAGE)).not.toBeNull();
    expect(one.create(1)).toBeNull();
  });

  it('bad files give typed errors: missing, too small, foreign header, or a size larger than the file', () => {
    const missing = `/dev/shm/vrdma-test-missing-${process.pid}`;
    expect(() => new SharedFile(addon!, missing)).toThrow(expect.objectContaining({ code: 'ERR_SHARED_FILE', path: missing }));
    expect(() => new SharedFile(addon!, tempFile(SHARED_FILE_PAGE))).toThrow(expect.objectContaining({ code: 'ERR_SHARED_FILE' }));
    expect(() => new SharedFile(addon!, tempFile(Buffer.alloc(FILE_BYTES, 0xab)))).toThrow(expect.objectContaining({ code: 'ERR_SHARED_FILE', message: expect.stringMatching(/not a loop0 shared file/) }));
    const small = tempFile(4 * SHARED_FILE_PAGE);
    new SharedFile(addon!, small);
    expect(() => new SharedFile(addon!, small, 1 << 20)).not.toThrow();
    const fresh = tempFile(4 * SHARED_FILE_PAGE);
    const claimed = new SharedFile(addon!, fresh, 1 << 20);
    expect(() => claimed.create(8 * SHARED_FILE_PAGE)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
