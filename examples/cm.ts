// The connection manager: a server listens on 127.0.0.1:7471, a client
// connects by address with private data both ways, sends, disconnects.
//   node cm.js            (loop0; on a native device use an address of its interface)
import { openDevice, CmEventType, WrOpcode, Access } from 'vrdma';

const ctx = await openDevice('loop0');
const pd = ctx.allocPd();

// Server: listen on 127.0.0.1:7471, accept every request.
const inbox = pd.registerMemory(ctx.allocBuffer(4096), Access.LOCAL_WRITE);
const server = ctx.createCmId();
server.bind({ address: '127.0.0.1', port: 7471 });
await server.listen();
(async () => {
  for await (const ev of server) {
    if (ev.type !== CmEventType.CONNECT_REQUEST) continue;
    const conn = ev.id!;                       // the incoming connection's own id
    const qp = conn.createQp(pd, { sendCq: ctx.createCq() });
    qp.postRecv({ wrId: 1, sgList: [{ mr: inbox }] });
    try {
      await conn.accept({ privateData: new TextEncoder().encode('welcome') });
    } catch (err) {
      if (!conn.closed) console.error('accept failed:', err);   // the connector gave up, or the id closed
    }
  }
})();

// Client.
const client = ctx.createCmId();
await client.resolveAddr({ address: '127.0.0.1', port: 7471 }, { timeoutMs: 2000 });
await client.resolveRoute({ timeoutMs: 2000 });
const cq = ctx.createCq();
const qp = client.createQp(pd, { sendCq: cq });
const { privateData } = await client.connect({ privateData: new TextEncoder().encode('hello') });
console.log(new TextDecoder().decode(privateData!.subarray(0, 7)));   // "welcome"

const out = pd.registerMemory(ctx.allocBuffer(4096), Access.LOCAL_WRITE);
qp.postSend({ wrId: 2, opcode: WrOpcode.SEND, sgList: [{ mr: out, length: 64 }] });
await cq.next();

await client.disconnect();                     // both sides get DISCONNECTED
ctx.close();                                   // closes the ids, their QPs, everything
