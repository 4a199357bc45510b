import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Access, InvalidArgumentError, openDevice, QpType, WrOpcode, type Context, type MemoryRegion } from '../../lib/index.js';
import { toSendWrSpecs } from '../../lib/validate/send-wr.js';
import { toRecvWrSpecs } from '../../lib/validate/recv-wr.js';
import { recvSpecPool, sendSpecPool } from '../../lib/validate/spec-pool.js';

describe('validated requests are written into a reused pool', () => {
  let ctx: Context;
  let mr: MemoryRegion;
  const limits = { type: QpType.RC, maxSge: 4, maxInline: 64, sqSigAll: false };

  beforeAll(async () => {
    ctx = await openDevice('loop0', { hub: false });
    mr = ctx.allocPd().registerMemory(new Uint8Array(256), Access.LOCAL_WRITE);
  });
  afterAll(() => ctx.close());

  it('a second post of the same shape reuses the spec objects and holds the new values', () => {
    const pool = sendSpecPool();
    const first = toSendWrSpecs([{ wrId: 1, sgList: [{ mr, offset: 0, length: 8 }] }, { wrId: 2, sgList: [{ mr, offset: 8, length: 8 }] }], limits, pool);
    const firstSpecs = [...first];
    const firstSge = first[0]!.sgList[0];
    const second = toSendWrSpecs([{ wrId: 3, opcode: WrOpcode.SEND_WITH_IMM, imm: 9, sgList: [{ mr, offset: 16, length: 4 }] }, { wrId: 4 }], limits, pool);
    expect(second).toBe(first);
    expect(second[0]).toBe(firstSpecs[0]);
    expect(second[0]!.sgList[0]).toBe(firstSge);
    expect(second.map((s) => [s.wrId, s.opcode, s.imm, s.length, s.sgList.length])).toEqual([[3, WrOpcode.SEND_WITH_IMM, 9, 4, 1], [4, WrOpcode.SEND, 0, 0, 0]]);
    expect(second[0]!.sgList[0]).toMatchObject({ offset: 16, length: 4 });
  });

  it('a shorter batch after a longer one has only the new requests', () => {
    const pool = recvSpecPool();
    toRecvWrSpecs([{ wrId: 1 }, { wrId: 2 }, { wrId: 3 }], 4, pool);
    const single = toRecvWrSpecs({ wrId: 7, sgList: [{ mr }] }, 4, pool);
    expect(single.map((s) => [s.wrId, s.length])).toEqual([[7, 256]]);
  });

  it('a bad request after good posts still names its field', () => {
    const pool = sendSpecPool();
    toSendWrSpecs([{ wrId: 1, sgList: [{ mr }] }], limits, pool);
    let err: unknown;
    try {
      toSendWrSpecs([{ wrId: 1 }, { wrId: 2, sgList: [{ mr }, { mr, offset: 250, length: 8 }] }], limits, pool);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).message).toContain('wr[1].sgList[1].length');
  });
});
