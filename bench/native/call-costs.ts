/**
 * What one verbs call costs from JavaScript on a device: an empty
 * `pollBatch`, and `postSend` of one small unsignaled RDMA write (the
 * responder is a second QP of the same context). Explains where a
 * ping-pong's time goes when set beside perftest.
 *
 *   node dist/bench/native/call-costs.js [--device rxe0] [--gid-index 1] [--iters 20000]
 */
import { Access, openDevice, QpType, WcBatch, WrOpcode, type SendWorkRequest } from '../../lib/index.js';
import { nowUs } from '../core/clock.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const device = arg('--device') ?? 'loop0';
  const gid = arg('--gid-index');
  const iters = Number(arg('--iters') ?? 20000);
  const ctx = await openDevice(device, { hub: false, ...(gid === undefined ? {} : { gidIndex: Number(gid) }) });
  try {
    const pd = ctx.allocPd();
    const cqA = ctx.createCq({ depth: 4096 });
    const cqB = ctx.createCq({ depth: 4096 });
    const a = pd.createQp({ type: QpType.RC, sendCq: cqA, maxSendWr: 1024, maxInline: 0 });
    const b = pd.createQp({ type: QpType.RC, sendCq: cqB, maxSendWr: 1024, maxInline: 0 });
    await a.connect(b.endpoint(), { minRnrTimer: 1 });
    await b.connect(a.endpoint(), { minRnrTimer: 1 });
    const mr = pd.registerMemory(ctx.allocBuffer(4096), Access.LOCAL_WRITE | Access.REMOTE_WRITE);
    const batch = new WcBatch(64);

    // Empty polls.
    for (let i = 0; i < 1000; i++) cqB.pollBatch(batch);
    let t0 = nowUs();
    for (let i = 0; i < iters; i++) cqB.pollBatch(batch);
    const pollNs = ((nowUs() - t0) * 1000) / iters;

    // Posts: 2-byte writes, one signaled in 64; time only the postSend calls.
    const quiet: SendWorkRequest = { wrId: 1, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr, offset: 0, length: 2 }], remoteAddr: mr.addr + 2048n, rkey: mr.rkey, signaled: false };
    const loud: SendWorkRequest = { ...quiet, signaled: true };
    let postUs = 0;
    let posts = 0;
    const rounds = Math.max(1, Math.floor(iters / 64));
    for (let r = 0; r < rounds; r++) {
      const t = nowUs();
      for (let i = 0; i < 64; i++) a.postSend(i === 63 ? loud : quiet);
      postUs += nowUs() - t;
      posts += 64;
      let n = 0;
      const deadline = nowUs() + 10_000_000;
      while (n === 0) {
        n = cqA.pollBatch(batch);
        if (nowUs() > deadline) throw new Error('no completion for the signaled write');
      }
    }
    console.log(`${device}: empty pollBatch ${pollNs.toFixed(0)} ns/call; postSend (one 2-byte RDMA write) ${((postUs * 1000) / posts).toFixed(0)} ns/call (${posts} posts)`);
    // The clock itself.
    t0 = nowUs();
    for (let i = 0; i < iters; i++) nowUs();
    console.log(`${device}: performance.now() ${(((nowUs() - t0) * 1000) / iters).toFixed(0)} ns/call`);
  } finally {
    ctx.close();
  }
}

await main();
