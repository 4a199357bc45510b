/**
 * Echoes `rounds` sends back to the main thread, waiting for each in
 * `await cq.wait()` whenever a poll finds nothing: the thread never spins.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { once } from 'node:events';
import { Access, QpType, WcBatch, WcOpcode, WrOpcode, openDevice, type Endpoint } from '../../lib/index.js';

const { rounds } = workerData as { rounds: number };
const port = parentPort!;
const ctx = await openDevice('loop0', { hub: false });
const pd = ctx.allocPd();
const cq = ctx.createCq({ depth: 64 });
const qp = pd.createQp({ type: QpType.RC, sendCq: cq });
const mr = pd.registerMemory(ctx.allocBuffer(64), Access.LOCAL_WRITE);
const recv = { wrId: 0, sgList: [{ mr, offset: 32, length: 32 }] };
for (let i = 0; i < 8; i++) qp.postRecv(recv);
port.postMessage(qp.endpoint());
const [peer] = (await once(port, 'message')) as [Endpoint];
await qp.connect(peer);
port.postMessage('connected');
const batch = new WcBatch(16);
let echoed = 0;
while (echoed < rounds) {
  const n = cq.pollBatch(batch);
  if (n === 0) {
    await cq.wait();
    continue;
  }
  for (let k = 0; k < n; k++) {
    if (batch.status(k) !== 0) throw new Error(`completion failed with status ${batch.status(k)}`);
    if (batch.opcode(k) !== WcOpcode.RECV) continue;
    qp.postRecv(recv);
    qp.postSend({ wrId: echoed, opcode: WrOpcode.SEND, sgList: [{ mr, offset: 32, length: batch.byteLen(k) }], signaled: echoed % 16 === 15 });
    echoed++;
  }
}
port.postMessage('done');
await once(port, 'message');
ctx.close();
