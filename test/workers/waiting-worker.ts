/**
 * A worker that, once connected, has nothing left on its event loop but
 * `await cq.next()`: it must stay alive until the main thread's send arrives.
 */
import { parentPort } from 'node:worker_threads';
import { once } from 'node:events';
import { Access, QpType, openDevice, type Endpoint } from '../../lib/index.js';

const port = parentPort!;
const ctx = await openDevice('loop0', { hub: false });
const pd = ctx.allocPd();
const cq = ctx.createCq({ depth: 16 });
const qp = pd.createQp({ type: QpType.RC, sendCq: cq });
const mr = pd.registerMemory(ctx.allocBuffer(64), Access.LOCAL_WRITE);
qp.postRecv({ wrId: 42, sgList: [{ mr }] });
port.postMessage(qp.endpoint());
const [peer] = (await once(port, 'message')) as [Endpoint];
await qp.connect(peer);
port.postMessage('connected');
// From here on, no listener keeps this thread alive: only the CQ wait does.
const wc = await cq.next();
port.postMessage({ wrId: wc.wrId, status: wc.status, text: Buffer.from(mr.buffer.subarray(0, wc.byteLen)).toString() });
ctx.close();
