/**
 * A test child that waits for one SEND with nothing but `await cq.next()`
 * keeping it alive: it prints its endpoint as a JSON line, reads the peer's
 * endpoint as one line from stdin, stops reading stdin, connects, and waits.
 * Exits 0 after printing `got <hex>`; exit code 13 would mean Node found
 * nothing keeping it alive while the promise was pending.
 */
import { createInterface } from 'node:readline';
import { Access, QpType, openDevice, type Endpoint } from '../../lib/index.js';

const ctx = await openDevice('loop0', { hub: true });
const pd = ctx.allocPd();
const cq = ctx.createCq();
const qp = pd.createQp({ type: QpType.RC, sendCq: cq });
const mr = pd.registerMemory(ctx.allocBuffer(64), Access.LOCAL_WRITE);
qp.postRecv({ wrId: 1, sgList: [{ mr }] });
process.stdout.write(`${JSON.stringify(qp.endpoint())}\n`);
const rl = createInterface({ input: process.stdin });
const line = await new Promise<string>((resolve) => rl.once('line', resolve));
rl.close();
process.stdin.destroy();
await qp.connect(JSON.parse(line) as Endpoint);
const wc = await cq.next();
process.stdout.write(`got ${wc.status} ${Buffer.from(mr.buffer.subarray(0, wc.byteLen)).toString('hex')}\n`);
ctx.close();
