import { describe, it, expect, afterEach } from 'vitest';
import { QpState, QpType, WrOpcode, InvalidArgumentError, openDevice, RdmaError, ENDPOINT_VERSION } from '../../lib/index.js';
import { makePair, openTestContext, region, quiet, testDeviceName, type Pair } from './harness.js';

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

  it('rejects open options of the wrong type, unknown keys, a port the device lacks and an unpopulated GID index', async () => {
    const name = testDeviceName();
    const probe = await openTestContext();
    const ports = probe.queryDevice().physPortCnt;
    const table = probe.gidTable(1);
    const tableLength = probe.queryPort(1).gidTblLen;
    probe.close();
    const populated = new Set(table.map((e) => e.index));
    let unpopulated = 0;
    while (populated.has(unpopulated)) unpopulated++;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ hub: false, port: ports + 1 }, new RegExp(`options\\.port: openDevice\\(\\) expects a port of ${name} .*got ${ports + 1}`)],
      [{ hub: false, port: 0 }, /options\.port/],
      [{ hub: false, port: '1' }, /options\.port: openDevice\(\) expects an integer, got "1"/],
      [{ hub: false, gidIndex: tableLength }, new RegExp(`options\\.gidIndex: openDevice\\(\\) expects a populated GID index of ${name} port 1, got ${tableLength}; populated: ${table[0]!.index} \\(`)],
      [{ hub: false, gidIndex: unpopulated }, /options\.gidIndex: .*populated/],
      [{ hub: false, gidIndex: -1 }, /options\.gidIndex/],
      [{ hub: 'yes' }, /options\.hub: openDevice\(\) expects a boolean, got "yes"/],
      [{ hub: false, hubAddress: 5 }, /options\.hubAddress: .*expects a string, got 5/],
      [{ hubb: false }, /options\.hubb: openDevice\(\) has no option "hubb" \(did you mean "hub"\?\); it takes: .*port/],
      [{ hub: false, gidindex: 0 }, /did you mean "gidIndex"/],
    ];
    for (const [options, message] of cases) {
      const err: unknown = await openDevice(name, options as never).then((c) => { c.close(); return undefined; }, (e: unknown) => e);
      expect(err, JSON.stringify(options)).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message, JSON.stringify(options)).toMatch(message);
    }
    await expect(openDevice(name, null as never)).rejects.toThrow(/options: openDevice\(\) expects an object, got null/);
    const ctx = await openDevice(name, { hub: false, port: 1, gidIndex: table[0]!.index });
    const qp = ctx.allocPd().createQp({ type: QpType.RC, sendCq: ctx.createCq({ depth: 4 }) });
    expect(qp.endpoint()).toMatchObject({ port: 1, gidIndex: table[0]!.index });
    ctx.close();
  });

  it('rejects unknown keys and wrong types in CQ, QP, SRQ and connect options, naming the function', async () => {
    p = await makePair(QpType.RC);
    const { ctx, pd, cqA } = p;
    expect(() => ctx.createCq({ depth: 4, dpth: 4 } as never)).toThrow(/init\.dpth: createCq\(\) has no option "dpth" \(did you mean "depth"\?\)/);
    expect(() => ctx.createCq({ depth: '4' } as never)).toThrow(/init\.depth: createCq\(\) expects an integer, got "4"/);
    expect(() => ctx.createCq(null as never)).toThrow(InvalidArgumentError);
    expect(() => pd.createQp({ type: QpType.RC, sendCq: cqA, maxSendWR: 4 } as never)).toThrow(/init\.maxSendWR: createQp\(\) has no option "maxSendWR" \(did you mean "maxSendWr"\?\)/);
    expect(() => pd.createQp({ type: QpType.RC, sendCq: cqA, sqSigAll: 'yes' } as never)).toThrow(/init\.sqSigAll: createQp\(\) expects a boolean, got "yes"/);
    expect(() => pd.createQp({ type: QpType.RC, sendCq: cqA, recvCq: {} } as never)).toThrow(/init\.recvCq: createQp\(\) expects a CompletionQueue, got an object/);
    expect(() => pd.createQp({ type: '2', sendCq: cqA } as never)).toThrow(/init\.type/);
    expect(() => pd.createQp(undefined as never)).toThrow(InvalidArgumentError);
    expect(() => pd.createSrq({ maxWR: 4 } as never)).toThrow(/init\.maxWR: createSrq\(\) has no option "maxWR" \(did you mean "maxWr"\?\)/);
    expect(() => pd.createSrq({ maxSge: 2n } as never)).toThrow(/init\.maxSge: createSrq\(\) expects an integer, got 2n/);
    const fresh = pd.createQp({ type: QpType.RC, sendCq: cqA });
    const ep = p.b.endpoint();
    await expect(fresh.connect(ep, { retry: 3 } as never)).rejects.toThrow(/options\.retry: connect\(\) has no option "retry"/);
    await expect(fresh.connect(ep, { timeout: '14' } as never)).rejects.toThrow(/options\.timeout: connect\(\) expects an integer, got "14"/);
    await expect(fresh.connect({ ...ep, host: 'peer' } as never)).rejects.toThrow(/remote\.host: connect\(\) has no option "host"/);
    expect(fresh.stateName).toBe('INIT');
  });

  it('rejects send flags that are not booleans, posting nothing of the batch', async () => {
    p = await makePair(QpType.RC);
    const buf = region(p.pd, 64);
    const good = { wrId: 1, sgList: [{ mr: buf, length: 8 }] };
    for (const key of ['signaled', 'solicited', 'fence', 'inline']) {
      for (const value of ['yes', 1, 0, null]) {
        const err = (() => { try { p!.a.postSend([good, { ...good, [key]: value }]); } catch (e) { return e; } return undefined; })();
        expect(err, `${key}: ${String(value)}`).toBeInstanceOf(InvalidArgumentError);
        expect((err as InvalidArgumentError).argument).toBe(`wr[1].${key}`);
        expect((err as Error).message).toContain('postSend() expects a boolean');
      }
    }
    expect(await quiet(p.cqA, 50)).toEqual([]);
  });

  it('rejects unknown keys and wrong types in modify() attributes', async () => {
    p = await makePair(QpType.RC);
    const fresh = p.pd.createQp({ type: QpType.RC, sendCq: p.cqA });
    await expect(fresh.modify(QpState.INIT, { pkeyindex: 0 } as never)).rejects.toThrow(/attrs\.pkeyindex: modify\(\) has no option "pkeyindex" \(did you mean "pkeyIndex"\?\)/);
    await expect(fresh.modify(QpState.INIT, { qkey: '1' } as never)).rejects.toThrow(/attrs\.qkey: modify\(\) expects an integer, got "1"/);
    const rtr = { pathMtu: 1, destQpn: p.b.qpn, rqPsn: 0, ahAttr: { dlid: 1 } };
    await expect(fresh.modify(QpState.RTR, { ...rtr, destQPN: 1 } as never)).rejects.toThrow(/attrs\.destQPN: .*did you mean "destQpn"/);
    await expect(fresh.modify(QpState.RTR, { ...rtr, ahAttr: { dlid: 1, gid: 'x' } } as never)).rejects.toThrow(/attrs\.ahAttr\.gid: modify\(\) has no option "gid"/);
    await expect(fresh.modify(QpState.RTR, { ...rtr, ahAttr: { dlid: 1, grh: { dgid: '::1', sgidIndex: 0, hoplimit: 1 } } } as never)).rejects.toThrow(/attrs\.ahAttr\.grh\.hoplimit: .*did you mean "hopLimit"/);
    expect(fresh.stateName).toBe('INIT');
  });

  it('names the devices there are when a device is missing', async () => {
    await expect(openDevice('no-such-device0')).rejects.toThrow(/no RDMA device named "no-such-device0".*loop0/);
    await expect(openDevice('no-such-device0')).rejects.toBeInstanceOf(RdmaError);
    await expect(openDevice('')).rejects.toThrow(InvalidArgumentError);
  });
});
