// A consumer's ES module: both entry points import, the native provider has
// loaded its binary (it may still find no RDMA device on this machine), and
// loop0 moves data.
import { Access, checkCompletion, openDevice, providerStatus, QpType, WrOpcode } from 'vrdma';
import { discoverSriov } from 'vrdma/sriov';

const native = providerStatus().find((p) => p.name === 'native');
console.log(`native provider: ${native.available ? 'available' : native.reason}`);
if (!native.available && !/kernel offers no RDMA|found no RDMA devices/.test(native.reason)) {
  throw new Error('the native addon did not load');
}
if (typeof discoverSriov !== 'function') throw new Error('vrdma/sriov has no discoverSriov');

const ctx = await openDevice('loop0', { hub: false });
const pd = ctx.allocPd();
const cq = ctx.createCq({ depth: 8 });
const [a, b] = [pd.createQp({ type: QpType.RC, sendCq: cq }), pd.createQp({ type: QpType.RC, sendCq: cq })];
await a.connect(b.endpoint());
await b.connect(a.endpoint());
const src = pd.registerMemory(ctx.allocBuffer(64), Access.LOCAL_WRITE);
const dst = pd.registerMemory(ctx.allocBuffer(64), Access.LOCAL_WRITE | Access.REMOTE_WRITE);
src.buffer.set([1, 2, 3, 4]);
a.postSend({ wrId: 1, opcode: WrOpcode.RDMA_WRITE, remoteAddr: dst.addr, rkey: dst.rkey, sgList: [{ mr: src, length: 4 }] });
checkCompletion(await cq.next());
if (dst.buffer.subarray(0, 4).join() !== '1,2,3,4') throw new Error('loop0 write did not land');
ctx.close();
console.log('esm: ok');
