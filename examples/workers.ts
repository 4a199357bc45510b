// One RDMA WRITE between two threads of one process on loop0: the main
// thread and a worker swap endpoints over postMessage and move the data
// through shared memory (no hub, no socket).
//   node workers.js
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { once } from 'node:events';
import { Access, checkCompletion, openDevice, QpType, WrOpcode, type Endpoint, type RemoteMemory } from 'vrdma';

interface Hello { readonly endpoint: Endpoint; readonly region: RemoteMemory }

const ctx = await openDevice('loop0', { hub: false });
const pd = ctx.allocPd();
const cq = ctx.createCq({ depth: 16 });
const qp = pd.createQp({ type: QpType.RC, sendCq: cq });
const mr = pd.registerMemory(ctx.allocBuffer(4096), Access.LOCAL_WRITE | Access.REMOTE_WRITE);
const mine: Hello = { endpoint: qp.endpoint(), region: mr.toRemote() };

if (isMainThread) {
  // The main thread is the target: it waits for "done", then reads its memory.
  const worker = new Worker(new URL(import.meta.url));
  const [peer] = (await once(worker, 'message')) as [Hello];
  await qp.connect(peer.endpoint);
  worker.postMessage(mine);                        // the worker writes once it has this
  const [done] = (await once(worker, 'message')) as [string];
  const got = new TextDecoder().decode(mr.buffer.subarray(0, 5));
  if (done !== 'done' || got !== 'hello') throw new Error(`main: found "${got}"`);
  console.log(`main thread: the worker wrote "${got}" into its memory`);
  await worker.terminate();
} else {
  // The worker writes into the main thread's memory, then says "done".
  const port = parentPort!;
  port.postMessage(mine);
  const [peer] = (await once(port, 'message')) as [Hello];
  await qp.connect(peer.endpoint);
  new TextEncoder().encodeInto('hello', mr.buffer);
  qp.postSend({
    wrId: 1, opcode: WrOpcode.RDMA_WRITE,
    remoteAddr: BigInt(peer.region.addr), rkey: peer.region.rkey,
    sgList: [{ mr, offset: 0, length: 5 }],
  });
  checkCompletion(await cq.next());
  port.postMessage('done');
}
ctx.close();
