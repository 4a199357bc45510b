import { describe, it, expect, afterEach } from 'vitest';
import { QpType, WrOpcode, InvalidArgumentError, openDevice, RdmaError, ENDPOINT_VERSION } from '../../lib/index.js';
import { makePair, region, quiet, testDeviceName, type Pair } from './harness.js';

describe(`input validation on ${testDeviceName()}`, () => {
  let p: Pair | undefined;
  afterEach(() => p?.close());

  it('rejects malformed send requests by field name, posting nothing of the batch', async () => {
    p = await makePair(QpType.RC, { maxSge: 2, maxInline: 16 });
    const buf = region(p.pd, 64);
    const good = { wrId: 1, sgList: [{ mr: buf, length: 8 }] };
    const bad: Array<[unknown, RegExp]> = [
      [{ wrId: -1 }, /wr\[1\]\.wrId/],
      [{ wrId: 1.5 }, /wrId/],
      [{ wrId: 2 ** 53 }, /wrId/],
      [{ opcode: 99 }, /opcode/],
      [{ sgList: [{ mr: buf, offset: 60, length: 8 }] }, /length/],
      [{ sgList: [{ mr: buf, offset: -1 }] }, /offset/],
      [{ sgList: [{ mr: {} }] }, /mr/],
      [{ sgList: [{ mr: buf }, { mr: buf }, { mr: buf }] }, /maxSge/],
      [{ sgList: 'nope' }, /sgList/],
      [{ imm: 5 }, /imm/],
      [{ opcode: WrOpcode.SEND_WITH_IMM, imm: 2 ** 32 }, /imm/],
      [{ opcode: WrOpcode.RDMA_WRITE, rkey: buf.rkey, sgList: [{ mr: buf }] }, /remoteAddr/],
      [{ opcode: WrOpcode.RDMA_WRITE, remoteAddr: 5, rkey: buf.rkey }, /remoteAddr/],
      [{ opcode: WrOpcode.RDMA_READ, remoteAddr: buf.addr, sgList: [{ mr: buf }] }, /rkey/],
      [{ inline: true, sgList: [{ mr: buf, length: 32 }] }, /maxInline/],
      [{ opcode: WrOpcode.RDMA_READ, inline: true, remoteAddr: buf.addr, rkey: buf.rkey, sgList: [{ mr: buf, length: 8 }] }, /inline/],
      [null, /wr\[1\]/],
    ];
    for (const [wr, message] of bad) {
      expect(() => p!.a.postSend([good, wr as never]), JSON.stringify(wr, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).toThrow(message);
    }
    expect(() => p!.a.postSend([good, { wrId: -1 }])).toThrow(InvalidArgumentError);
    expect(await quiet(p.cqA, 50)).toEqual([]);
    expect(await quiet(p.cqB, 0)).toEqual([]);
  });

  it('rejects malformed receive requests', async () => {
    p = await makePair(QpType.RC, { maxSge: 1 });
    const buf = region(p.pd, 64);
    expect(() => p!.b.postRecv({ sgList: [{ mr: buf }, { mr: buf }] })).toThrow(/maxSge/);
    expect(() => p!.b.postRecv({ wrId: 'x' as unknown as number })).toThrow(/wrId/);
    expect(() => p!.b.postRecv([{ sgList: [{ mr: buf, length: 65 }] }])).toThrow(/length/);
  });

  it('rejects bad QP and SRQ parameters', async () => {
    p = await makePair(QpType.RC);
    const cq = p.cqA;
    expect(() => p!.pd.createQp({ type: 99, sendCq: cq })).toThrow(/init\.type/);
    expect(() => p!.pd.createQp({ type: QpType.RC, sendCq: {} as never })).toThrow(/sendCq/);
    expect(() => p!.pd.createQp({ type: QpType.RC, sendCq: cq, maxSendWr: 0 })).toThrow(/maxSendWr/);
    expect(() => p!.pd.createQp({ type: QpType.RC, sendCq: cq, maxSge: 33 })).toThrow(/maxSge/);
    expect(() => p!.pd.createSrq({ maxWr: -4 })).toThrow(/maxWr/);
    const other = await openDevice(testDeviceName(), { hub: false });
    const foreignCq = other.createCq();
    expect(() => p!.pd.createQp({ type: QpType.RC, sendCq: foreignCq })).toThrow(/another context/);
    other.close();
  });

  it('rejects malformed endpoints and connect options', async () => {
    p = await makePair(QpType.RC);
    const fresh = p.pd.createQp({ type: QpType.RC, sendCq: p.cqA });
    const ep = p.b.endpoint();
    await expect(fresh.connect({ ...ep, v: ENDPOINT_VERSION + 1 })).rejects.toThrow(/version/);
    await expect(fresh.connect({ ...ep, qpn: 0 })).rejects.toThrow(/qpn/);
    await expect(fresh.connect({ ...ep, gid: 5 as unknown as string })).rejects.toThrow(/gid/);
    await expect(fresh.connect({ ...ep, qpType: QpType.UC })).rejects.toThrow(/qpType/);
    await expect(fresh.connect({ ...ep, provider: ep.provider === 'native' ? 'loopback' : 'native' })).rejects.toThrow(/provider/);
    await expect(fresh.connect(undefined)).rejects.toThrow(InvalidArgumentError);
    await expect(fresh.connect(ep, { rnrRetry: 8 })).rejects.toThrow(/rnrRetry/);
    expect(JSON.parse(JSON.stringify(ep))).toEqual(ep);
  });

  it('names the devices there are when a device is missing', async () => {
    await expect(openDevice('no-such-device0')).rejects.toThrow(/no RDMA device named "no-such-device0".*loop0/);
    await expect(openDevice('no-such-device0')).rejects.toBeInstanceOf(RdmaError);
    await expect(openDevice('')).rejects.toThrow(InvalidArgumentError);
  });
});
