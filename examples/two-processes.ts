// One RDMA WRITE between two processes over the default device (a native
// device with an active port, else loop0). Start the two sides in either
// order, in two terminals:
//   node two-processes.js server 18515
//   node two-processes.js client 18515
// listen() and connect() swap endpoints and region keys over a TCP socket
// (the client keeps trying until the server listens) and resolve once both
// queue pairs are connected; close() waits for what is in flight and says
// goodbye to the peer.
import { connect, listen } from 'vrdma';

const role = process.argv[2] === 'server' ? 'server' : 'client';
const port = Number(process.argv[3] ?? 18515);
const MESSAGE = 'hello over RDMA';

if (role === 'server') {
  const listener = await listen({ port, expose: 4096 });      // a 4 KiB region the client may write
  const conn = await listener.accept();
  listener.close();
  await conn.recv();                                          // "done": sent after the write, so the write has landed
  const got = new TextDecoder().decode(conn.memory!.subarray(0, MESSAGE.length));
  if (got !== MESSAGE) throw new Error(`server: found "${got}"`);
  console.log(`server: found "${got}" in its memory (device ${conn.context.device.name})`);
  await conn.close();
} else {
  const conn = await connect({ port, connectTimeoutMs: 30_000 });
  await conn.write(new TextEncoder().encode(MESSAGE), { region: 0, offset: 0 }); // RDMA WRITE
  await conn.send(new TextEncoder().encode('done'));          // SEND: arrives after the write
  console.log(`client: wrote "${MESSAGE}" into the server's memory`);
  await conn.close();                                         // releases the QP, CQ, regions, PD and device
}
