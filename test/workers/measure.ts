/**
 * Quick numbers for the cross-thread loopback path (not a test): spin-polled
 * 8-byte SEND/RECV round trip between two workers, and 1 MiB RDMA WRITE
 * bandwidth against `Buffer.copy` of 1 MiB, with a raw `Atomics` ping-pong
 * as the machine's baseline. Then the same two runs with both sides driven by
 * one thread, through two separate copies of the library (each with its own
 * fabric, so packets still cross the rings), counted in CPU time: the
 * software cost, free of scheduling noise on a busy machine. Run
 * `node dist/test/workers/measure.js [round trips]` after `npx tsc -p tsconfig.json`.
 */
import { Worker } from 'node:worker_threads';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { oneThread } from './measure-one-thread.js';
import { PeerWorker, terminateAll } from './harness.js';
import { ALL_ACCESS } from './local.js';

const MiB = 1024 * 1024;

/** Round trip of a bare `Atomics` ping-pong between two threads, in ns. */
async function atomicsBaseline(iters: number): Promise<number> {
  const src = `
    const { workerData, parentPort } = require('node:worker_threads');
    const w = new Int32Array(workerData.sab); const me = workerData.me; const n = workerData.iters;
    const t = performance.now();
    for (let i = 1; i <= n; i++) {
      if (me === 0) { Atomics.store(w, 0, i); while (Atomics.load(w, 16) !== i); }
      else { while (Atomics.load(w, 0) !== i); Atomics.store(w, 16, i); }
    }
    parentPort.postMessage((performance.now() - t) * 1e6 / n);`;
  const sab = new SharedArrayBuffer(128);
  const ws = [0, 1].map((me) => new Worker(src, { eval: true, workerData: { sab, me, iters } }));
  const r = await Promise.all(ws.map((w) => new Promise<number>((resolve) => w.once('message', resolve))));
  await Promise.all(ws.map((w) => w.terminate()));
  return r[0]!;
}

/** `Buffer.copy` of `size` bytes, GB/s (plain or shared memory). */
function copyRate(size: number, shared: boolean, iters: number): number {
  const mk = (): Buffer => Buffer.from(shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
  const a = mk();
  const b = mk();
  a.fill(7);
  for (let i = 0; i < 20; i++) a.copy(b);
  const t = performance.now();
  for (let i = 0; i < iters; i++) a.copy(b);
  return (size * iters) / ((performance.now() - t) / 1000) / 1e9;
}

async function pair(): Promise<[PeerWorker, PeerWorker]> {
  const x = new PeerWorker();
  const y = new PeerWorker();
  await Promise.all([x.call('open', {}), y.call('open', {})]);
  const ex = await x.call('qp', { name: 'q' });
  const ey = await y.call('qp', { name: 'q' });
  await Promise.all([x.call('connect', { name: 'q', remote: ey }), y.call('connect', { name: 'q', remote: ex })]);
  return [x, y];
}

async function main(): Promise<void> {
  const iters = Number(process.argv[2] ?? 20000);
  console.log(`cores: ${(await import('node:os')).availableParallelism()}, load: ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`raw Atomics ping-pong between two workers: ${(await atomicsBaseline(iters * 5)).toFixed(0)} ns round trip`);
  try {
    const [x, y] = await pair();
    await x.call('mr', { name: 'm', size: 64, shared: true, access: ALL_ACCESS });
    await y.call('mr', { name: 'm', size: 64, shared: true, access: ALL_ACCESS });
    await Promise.all([x.call('pingprep', { qp: 'q', mr: 'm', size: 8 }), y.call('pingprep', { qp: 'q', mr: 'm', size: 8 })]);
    const rtt = await Promise.all([
      x.call('pingpong', { qp: 'q', mr: 'm', size: 8, iters, initiator: true }, 120_000),
      y.call('pingpong', { qp: 'q', mr: 'm', size: 8, iters, initiator: false }, 120_000),
    ]);
    console.log(`8 B SEND/RECV round trip, both workers spinning on pollBatch: ${(rtt[0] / 1000).toFixed(2)} us (${iters} round trips)`);

    const dst = await y.call('mr', { name: 'dst', size: MiB, shared: true, access: ALL_ACCESS });
    await x.call('mr', { name: 'src', size: MiB, shared: true, access: ALL_ACCESS, seed: 1 });
    const writes = Math.max(200, Math.floor(iters / 20));
    for (const window of [1, 4, 16]) {
      const bw = await x.call('writeBw', { qp: 'q', mr: 'src', remote: dst.remote, size: MiB, iters: writes, window }, 120_000);
      console.log(`1 MiB RDMA WRITE, window ${window}: ${(bw / 1e9).toFixed(2)} GB/s`);
    }
    console.log(`Buffer.copy 1 MiB, plain memory: ${copyRate(MiB, false, writes * 4).toFixed(2)} GB/s; shared memory: ${copyRate(MiB, true, writes * 4).toFixed(2)} GB/s`);
  } finally {
    await terminateAll();
  }
  // Two copies of dist/lib, imported side by side in this thread.
  const dir = mkdtempSync(join(tmpdir(), 'vrdma-measure-'));
  try {
    const lib = fileURLToPath(new URL('../../lib/', import.meta.url));
    for (const side of ['a', 'b']) {
      cpSync(lib, join(dir, side, 'lib'), { recursive: true });
      writeFileSync(join(dir, side, 'package.json'), '{"type":"module"}');
    }
    const r = await oneThread(pathToFileURL(join(dir, 'a', 'lib', 'index.js')).href, pathToFileURL(join(dir, 'b', 'lib', 'index.js')).href, iters * 10);
    console.log(`one thread, both sides (CPU time): 8 B round trip through the rings ${r.ringRttUs.toFixed(2)} us, same fabric without rings ${r.localRttUs.toFixed(2)} us`);
    console.log(`one thread, both sides (CPU time): 1 MiB RDMA WRITE ${r.writeGBs.toFixed(2)} GB/s; Buffer.copy between the same two buffers ${r.copySameGBs.toFixed(2)} GB/s (${((100 * r.writeGBs) / r.copySameGBs).toFixed(0)}%), between plain buffers ${r.copyPlainGBs.toFixed(2)} GB/s (${((100 * r.writeGBs) / r.copyPlainGBs).toFixed(0)}%)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
