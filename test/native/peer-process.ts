// Child process for two-process.test.ts: one side of an RC connection on
// a native device. It talks JSON lines: prints what the other side needs
// and reads the other side's answer from stdin.
//
//   node dist/test/native/peer-process.js <device> server|client|leak|leak-exit
//
// `leak` leaves everything open (with a receive posted and a wait armed
// and then abandoned) and lets the process end by itself; `leak-exit` does
// the same and calls process.exit(0).
import { createInterface } from 'node:readline';
import { Access, QpType, WcStatus, WrOpcode, openDevice, type Endpoint, type RemoteMemory } from '../../lib/index.js';

const [device = 'rxe0', role = 'server'] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const say = (o: unknown): void => { process.stdout.write(`${JSON.stringify(o)}\n`); };
async function hear<T>(): Promise<T> {
  const next = await lines.next();
  if (next.done) throw new Error('stdin closed');
  return JSON.parse(next.value) as T;
}

const ctx = await openDevice(device);
const pd = ctx.allocPd();
const cq = ctx.createCq({ depth: 64 });
const qp = pd.createQp({ type: QpType.RC, sendCq: cq });
const mr = pd.registerMemory(ctx.allocBuffer(1 << 16), Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ);

if (role === 'leak' || role === 'leak-exit') {
  qp.postRecv({ wrId: 1, sgList: [{ mr, length: 64 }] });
  const pending = cq.wait();
  cq.close();
  await pending.catch(() => undefined);
  const cq2 = ctx.createCq({ depth: 8 });
  pd.createQp({ type: QpType.RC, sendCq: cq2 });
  say({ leaked: true });
  if (role === 'leak-exit') process.exit(0);
} else if (role === 'server') {
  qp.postRecv({ wrId: 1, sgList: [{ mr, offset: 4096, length: 256 }] });
  say({ endpoint: qp.endpoint(), remote: mr.toRemote() });
  const { endpoint } = await hear<{ endpoint: Endpoint }>();
  await qp.connect(endpoint);
  say({ connected: true });
  const wc = await cq.next();
  const text = Buffer.from(mr.buffer.subarray(4096, 4096 + wc.byteLen)).toString();
  const written = Buffer.from(mr.buffer.subarray(0, 17)).toString();
  say({ ok: wc.status === WcStatus.SUCCESS, imm: wc.imm, message: text, written, pid: process.pid });
} else {
  say({ endpoint: qp.endpoint() });
  const { endpoint, remote } = await hear<{ endpoint: Endpoint; remote: RemoteMemory }>();
  await qp.connect(endpoint);
  mr.buffer.set(Buffer.from('written by client'), 0);
  mr.buffer.set(Buffer.from(`hello from ${process.pid}`), 1024);
  qp.postSend([
    { wrId: 1, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr, offset: 0, length: 17 }], remoteAddr: BigInt(remote.addr), rkey: remote.rkey, signaled: false },
    { wrId: 2, opcode: WrOpcode.SEND_WITH_IMM, imm: 0x01020304, sgList: [{ mr, offset: 1024, length: `hello from ${process.pid}`.length }] },
  ]);
  const wc = await cq.next();
  say({ done: wc.status === WcStatus.SUCCESS, status: wc.status, pid: process.pid });
}
if (role === 'server' || role === 'client') {
  ctx.close();
  process.exit(0);
}
