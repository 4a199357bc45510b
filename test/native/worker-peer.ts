// Worker script for worker.test.ts: a whole RC exchange inside a worker
// thread, waiting on the completion channel there (the worker's own loop).
//
// workerData: { device, mode: 'exchange' | 'leak' | 'wait-forever' }
import { parentPort, workerData } from 'node:worker_threads';
import { Access, QpType, WrOpcode, openDevice } from '../../lib/index.js';

const { device, mode } = workerData as { device: string; mode: 'exchange' | 'leak' | 'wait-forever' };
const ctx = await openDevice(device);
const pd = ctx.allocPd();
const cq = ctx.createCq({ depth: 16 });
const a = pd.createQp({ type: QpType.RC, sendCq: cq });
const b = pd.createQp({ type: QpType.RC, sendCq: cq });
const mr = pd.registerMemory(ctx.allocBuffer(8192), Access.LOCAL_WRITE | Access.REMOTE_WRITE);
await a.connect(b.endpoint());
await b.connect(a.endpoint());

if (mode === 'exchange') {
  mr.buffer.set(Buffer.from('from a worker'), 0);
  b.postRecv({ wrId: 77, sgList: [{ mr, offset: 4096, length: 64 }] });
  // The wait starts before anything is posted, so it must really wait on
  // the channel: pendingAtPost records that it had not returned yet.
  let done = false;
  let pendingAtPost = false;
  setTimeout(() => {
    pendingAtPost = !done;
    a.postSend({ wrId: 1, sgList: [{ mr, length: 13 }], signaled: false });
  }, 100);
  const wc = await cq.next();
  done = true;
  parentPort!.postMessage({
    wrId: wc.wrId, status: wc.status, text: Buffer.from(mr.buffer.subarray(4096, 4096 + wc.byteLen)).toString(), pendingAtPost,
  });
  ctx.close();
} else if (mode === 'leak') {
  // Leave everything open: the worker's teardown releases it.
  b.postRecv({ wrId: 1, sgList: [{ mr, length: 64 }] });
  parentPort!.postMessage({ leaked: true });
} else {
  parentPort!.postMessage({ waiting: true });
  await cq.next();
}
