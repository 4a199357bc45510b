// Unreliable datagrams (UD): one QP sends a datagram to another through an
// address handle; the receive buffer gets the 40-byte GRH first, then the data.
//   node ud.js            (loop0, private to this process)
import { Access, checkCompletion, DEFAULT_QKEY, openDevice, QpType, WrOpcode } from 'vrdma';

const GRH = 40;
const ctx = await openDevice('loop0', { hub: false });
const pd = ctx.allocPd();
const cq = ctx.createCq({ depth: 16 });
const sender = pd.createQp({ type: QpType.UD, sendCq: cq });
const receiver = pd.createQp({ type: QpType.UD, sendCq: cq });
await sender.connect();                            // UD: INIT -> RTR -> RTS, no peer
await receiver.connect();

const out = pd.registerMemory(ctx.allocBuffer(4096), Access.LOCAL_WRITE);
const into = pd.registerMemory(ctx.allocBuffer(4096), Access.LOCAL_WRITE);
receiver.postRecv({ wrId: 2, sgList: [{ mr: into }] });

const to = receiver.endpoint();                    // what the receiver would publish
const ah = pd.createAddressHandle(to);
const text = 'a datagram';
new TextEncoder().encodeInto(text, out.buffer);
sender.postSend({
  wrId: 1, opcode: WrOpcode.SEND, ah, remoteQpn: to.qpn, remoteQkey: to.qkey ?? DEFAULT_QKEY,
  sgList: [{ mr: out, offset: 0, length: text.length }],
});

const completions = [checkCompletion(await cq.next()), checkCompletion(await cq.next())];
const received = completions.find((wc) => wc.wrId === 2)!;
const got = new TextDecoder().decode(into.buffer.subarray(GRH, received.byteLen));
if (got !== text) throw new Error(`received "${got}"`);
console.log(`received "${got}" (${received.byteLen - GRH} bytes after the ${GRH}-byte GRH) from QP ${received.srcQp}`);
ctx.close();
