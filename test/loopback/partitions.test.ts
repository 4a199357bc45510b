// Partitions on loop0: a node's P_Key table comes from its open options;
// traffic between QPs whose P_Keys do not match is dropped as the fabric
// drops it (RC: the requester's local ACK timer runs out; UD: gone).
import { afterEach, describe, expect, it } from 'vitest';
import {
  AddressHandle, InvalidArgumentError, QpState, QpType, WcStatus, WrOpcode, openDevice, pkeysMatch,
  type Context, type QueuePair,
} from '../../lib/index.js';
import { collect, quiet, region } from '../conformance/harness.js';

const opened: Context[] = [];
afterEach(() => { for (const c of opened.splice(0)) c.close(); });

async function node(pkeys?: number[]): Promise<Context> {
  const ctx = await openDevice('loop0', { hub: false, ...(pkeys ? { pkeys } : {}) });
  opened.push(ctx);
  return ctx;
}

/** An RC QP on `ctx` in the partition at `pkeyIndex`, with its own CQ. */
async function rcQp(ctx: Context, pkeyIndex: number): Promise<QueuePair> {
  const pd = ctx.allocPd();
  const qp = pd.createQp({ type: QpType.RC, sendCq: ctx.createCq({ depth: 64 }) });
  await qp.modify(QpState.INIT, { pkeyIndex });
  return qp;
}

/** Connect two RC QPs (quick retry: the local ACK timer is 4 ms, one retry), send one message each way that can, return the sender's completion. */
async function sendBetween(a: QueuePair, b: QueuePair): Promise<{ status: number; delivered: boolean }> {
  const options = { timeout: 10, retryCnt: 1 };
  await a.connect(b.endpoint(), options);
  await b.connect(a.endpoint(), options);
  const inbox = region(b.pd, 64);
  const out = region(a.pd, 64, 7);
  b.postRecv({ wrId: 2, sgList: [{ mr: inbox }] });
  a.postSend({ wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr: out, length: 16 }] });
  const [wc] = await collect(a.sendCq, 1, 5000);
  const got = b.recvCq.poll(4);
  return { status: wc!.status, delivered: got.some((w) => w.status === WcStatus.SUCCESS) && inbox.buffer[0] === 7 };
}

describe('loop0 partitions (P_Keys)', () => {
  it('the table is the default 0xffff then the P_Keys given at open; pkeyTblLen follows', async () => {
    const ctx = await node([0x8001, 0x0002]);
    expect(ctx.pkeyTable()).toEqual([0xffff, 0x8001, 0x0002]);
    expect(ctx.queryPort(1).pkeyTblLen).toBe(3);
    expect((await node()).pkeyTable()).toEqual([0xffff]);
  });

  it('bad P_Keys are refused at open', async () => {
    await expect(openDevice('loop0', { hub: false, pkeys: [0x8000] })).rejects.toThrow(/partition 0/);
    await expect(openDevice('loop0', { hub: false, pkeys: [0x10000] })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(openDevice('loop0', { hub: false, pkeys: new Array(128).fill(1) })).rejects.toThrow(/at most 127/);
    await expect(openDevice('loop0', { hub: false, pkeys: 5 as never })).rejects.toThrow(/options\.pkeys/);
  });

  it('the match rule: same partition, not both limited', () => {
    expect(pkeysMatch(0xffff, 0xffff)).toBe(true);
    expect(pkeysMatch(0x8001, 0x0001)).toBe(true);
    expect(pkeysMatch(0x0001, 0x0001)).toBe(false);
    expect(pkeysMatch(0x8001, 0x8002)).toBe(false);
    expect(pkeysMatch(0xffff, 0x7fff)).toBe(true);
  });

  it('a full member and a limited member of one partition talk', async () => {
    const full = await node([0x8005]);
    const limited = await node([0x0005]);
    expect(await sendBetween(await rcQp(full, 1), await rcQp(limited, 1))).toEqual({ status: WcStatus.SUCCESS, delivered: true });
  });

  it('two limited members do not: the request is dropped and the requester ends in RETRY_EXC_ERR', async () => {
    const a = await node([0x0005]);
    const b = await node([0x0005]);
    expect(await sendBetween(await rcQp(a, 1), await rcQp(b, 1))).toEqual({ status: WcStatus.RETRY_EXC_ERR, delivered: false });
  });

  it('different partitions do not, and neither does the default partition with another', async () => {
    const a = await node([0x8005]);
    const b = await node([0x8006]);
    expect(await sendBetween(await rcQp(a, 1), await rcQp(b, 1))).toEqual({ status: WcStatus.RETRY_EXC_ERR, delivered: false });
    const c = await node([0x8005]);
    const d = await node([0x8005]);
    expect(await sendBetween(await rcQp(c, 0), await rcQp(d, 1))).toEqual({ status: WcStatus.RETRY_EXC_ERR, delivered: false });
  });

  it('a UD datagram across partitions vanishes; within one it arrives', async () => {
    const a = await node([0x8007, 0x8008]);
    const b = await node([0x8007]);
    const pdA = a.allocPd();
    const pdB = b.allocPd();
    const receiver = pdB.createQp({ type: QpType.UD, sendCq: b.createCq({ depth: 16 }) });
    await receiver.modify(QpState.INIT, { pkeyIndex: 1 });
    await receiver.connect();
    const inbox = region(pdB, 256);
    const out = region(pdA, 16, 9);
    receiver.postRecv([{ wrId: 1, sgList: [{ mr: inbox }] }, { wrId: 2, sgList: [{ mr: inbox }] }]);
    const ah = pdA.createAddressHandle(receiver.endpoint());
    expect(ah).toBeInstanceOf(AddressHandle);
    const send = async (pkeyIndex: number): Promise<void> => {
      const sender = pdA.createQp({ type: QpType.UD, sendCq: a.createCq({ depth: 16 }) });
      await sender.modify(QpState.INIT, { pkeyIndex });
      await sender.connect();
      sender.postSend({ wrId: pkeyIndex, opcode: WrOpcode.SEND, ah, remoteQpn: receiver.qpn, remoteQkey: receiver.query().qkey, sgList: [{ mr: out }] });
      expect((await collect(sender.sendCq, 1))[0]!.status).toBe(WcStatus.SUCCESS);
    };
    await send(2); // 0x8008 -> 0x8007: dropped
    expect(await quiet(receiver.recvCq, 50)).toEqual([]);
    await send(1); // 0x8007 -> 0x8007: delivered
    expect((await collect(receiver.recvCq, 1))[0]).toMatchObject({ wrId: 1, status: WcStatus.SUCCESS });
  });
});
