import { describe, it, expect } from 'vitest';
import { openDevice, QpType, Access, WrOpcode } from '../lib/index.js';

describe('smoke', () => {
  it('send/recv on loop0', async () => {
    const ctx = await openDevice('loop0', { hub: false });
    const pd = ctx.allocPd();
    const cq = ctx.createCq({ depth: 16 });
    const a = pd.createQp({ type: QpType.RC, sendCq: cq });
    const b = pd.createQp({ type: QpType.RC, sendCq: cq });
    const src = pd.registerMemory(new TextEncoder().encode('hello world, this is long'), Access.LOCAL_WRITE);
    const dst = pd.registerMemory(new Uint8Array(64), Access.LOCAL_WRITE | Access.REMOTE_WRITE);
    b.postRecv({ wrId: 7, sgList: [{ mr: dst }] });
    await a.connect(b.endpoint());
    await b.connect(a.endpoint());
    a.postSend({ wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr: src }] });
    const wcs = cq.poll(4);
    expect(wcs.map((w) => [w.wrId, w.status])).toEqual([[7, 0], [1, 0]]);
    expect(Buffer.from(dst.buffer.subarray(0, src.length)).toString()).toBe('hello world, this is long');
    ctx.close();
  });
});
