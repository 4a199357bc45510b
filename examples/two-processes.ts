// One RDMA WRITE between two processes over the default device (a native
// device with an active port, else loop0). Start the two sides in either
// order, in two terminals:
//   node two-processes.js server 18515
//   node two-processes.js client 18515
// They swap endpoints over a TCP socket, one JSON line each way, and keep
// two handshakes on it: "ready" (both QPs are connected, so the client may
// write) and "done" (the write has completed, so the server may read and close).
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Access, checkCompletion, openDevice, QpType, WrOpcode, type Endpoint, type RemoteMemory } from 'vrdma';

const role = process.argv[2] === 'server' ? 'server' : 'client';
const port = Number(process.argv[3] ?? 18515);
const MESSAGE = 'hello over RDMA';

const ctx = await openDevice();                    // native device, else loop0
const pd = ctx.allocPd();
const cq = ctx.createCq({ depth: 16 });
const qp = pd.createQp({ type: QpType.RC, sendCq: cq });
const mr = pd.registerMemory(ctx.allocBuffer(4096), Access.LOCAL_WRITE | Access.REMOTE_WRITE);

const socket = role === 'server' ? await accept(port) : await dial(port);
const lines = createInterface({ input: socket })[Symbol.asyncIterator]();
const send = (message: unknown): void => { socket.write(`${JSON.stringify(message)}\n`); };
const receive = async (): Promise<unknown> => {
  const next = await lines.next();
  if (next.done === true) throw new Error('the peer hung up');
  return JSON.parse(next.value as string);
};

send({ endpoint: qp.endpoint(), region: mr.toRemote() });
const peer = (await receive()) as { endpoint: Endpoint; region: RemoteMemory };
await qp.connect(peer.endpoint);                   // INIT -> RTR -> RTS
send('ready');
if ((await receive()) !== 'ready') throw new Error('expected "ready"');

if (role === 'client') {
  new TextEncoder().encodeInto(MESSAGE, mr.buffer);
  qp.postSend({
    wrId: 1, opcode: WrOpcode.RDMA_WRITE,
    remoteAddr: BigInt(peer.region.addr), rkey: peer.region.rkey,
    sgList: [{ mr, offset: 0, length: MESSAGE.length }],
  });
  checkCompletion(await cq.next());                // throws WorkCompletionError on failure
  send('done');
  console.log(`client: wrote "${MESSAGE}" into the server's memory`);
} else {
  if ((await receive()) !== 'done') throw new Error('expected "done"');
  const got = new TextDecoder().decode(mr.buffer.subarray(0, MESSAGE.length));
  if (got !== MESSAGE) throw new Error(`server: found "${got}"`);
  console.log(`server: found "${got}" in its memory (device ${ctx.device.name})`);
}
socket.end();
ctx.close();                                       // closes QP, MR, CQ, PD in order

/** The server's side of the socket: the first connection on 127.0.0.1:port. */
async function accept(port: number): Promise<Socket> {
  const server = createServer().listen(port, '127.0.0.1');
  const [socket] = (await once(server, 'connection')) as [Socket];
  server.close();
  return socket;
}

/** The client's side: retries until the server listens (started later, or still starting). */
async function dial(port: number): Promise<Socket> {
  for (let attempt = 0; ; attempt++) {
    const socket = connect(port, '127.0.0.1');
    try {
      await once(socket, 'connect');
      return socket;
    } catch (err) {
      if (attempt >= 300) throw err;
      await sleep(100);
    }
  }
}
