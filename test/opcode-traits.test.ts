// The opcode table: its rows are consistent, and validation follows it for
// every opcode on every QP type.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Access, NO_RECV_WC, OpTrait, QpType, UnsupportedError, WR_OPCODE_TABLE, WR_OPCODE_TRAITS, WrOpcode,
  opcodesAllowedOn, openDevice, qpTypeBit, qpTypeName, wrOpcodeName, wrOpcodeTraits,
  type Context, type MemoryRegion, type ProtectionDomain, type SendWorkRequest,
} from '../lib/index.js';
import { toSendWrSpecs } from '../lib/validate/send-wr.js';

const rows = WR_OPCODE_TRAITS.filter((t) => t !== undefined);

describe('opcode table', () => {
  it('has the C values of enum ibv_wr_opcode, and WrOpcode is derived from it', () => {
    expect(WrOpcode).toEqual({
      RDMA_WRITE: 0, RDMA_WRITE_WITH_IMM: 1, SEND: 2, SEND_WITH_IMM: 3, RDMA_READ: 4, ATOMIC_CMP_AND_SWP: 5, ATOMIC_FETCH_AND_ADD: 6,
    });
    expect(Object.keys(WR_OPCODE_TABLE)).toEqual(Object.keys(WrOpcode));
    for (const [name, value] of Object.entries(WrOpcode)) {
      expect(WR_OPCODE_TRAITS[value]).toMatchObject({ name, value });
      expect(wrOpcodeName(value)).toBe(name);
    }
    expect(wrOpcodeName(99)).toBe('UNKNOWN(99)');
  });

  it('is frozen and answers unknown opcodes with undefined', () => {
    expect(Object.isFrozen(WR_OPCODE_TRAITS)).toBe(true);
    expect(Object.isFrozen(WR_OPCODE_TABLE)).toBe(true);
    for (const row of Object.values(WR_OPCODE_TABLE)) expect(Object.isFrozen(row)).toBe(true);
    for (const t of rows) expect(Object.isFrozen(t)).toBe(true);
    for (const bad of [-1, 7, 1.5, 'length', 'SEND', null, undefined, {}]) expect(wrOpcodeTraits(bad)).toBeUndefined();
    expect(wrOpcodeTraits(WrOpcode.SEND)?.name).toBe('SEND');
  });

  it('rows are consistent', () => {
    for (const t of rows) {
      const f = t.flags;
      const at = t.name;
      if (f & OpTrait.ATOMIC) expect(f & (OpTrait.REMOTE | OpTrait.PAYLOAD_IN), at).toBe(OpTrait.REMOTE | OpTrait.PAYLOAD_IN);
      if (f & OpTrait.SWAP) expect(f & OpTrait.ATOMIC, at).toBeTruthy();
      expect((f & OpTrait.PAYLOAD_OUT) !== 0 && (f & OpTrait.PAYLOAD_IN) !== 0, at).toBe(false);
      expect((f & OpTrait.CONSUMES_RECV) !== 0, at).toBe(t.recvWcOpcode !== NO_RECV_WC);
      if (f & OpTrait.REMOTE) expect(t.qpTypes & qpTypeBit(QpType.UD), `${at} on UD`).toBe(0);
      expect(t.qpTypes & qpTypeBit(QpType.RC), `${at} on RC`).not.toBe(0);
    }
    expect(opcodesAllowedOn(QpType.UD)).toEqual(['SEND', 'SEND_WITH_IMM']);
    expect(opcodesAllowedOn(QpType.UC)).toEqual(['RDMA_WRITE', 'RDMA_WRITE_WITH_IMM', 'SEND', 'SEND_WITH_IMM']);
    expect(opcodesAllowedOn(QpType.RC)).toEqual(Object.keys(WrOpcode));
  });
});

describe('send validation follows the table', () => {
  let ctx: Context;
  let pd: ProtectionDomain;
  let mr: MemoryRegion;
  beforeAll(async () => {
    ctx = await openDevice('loop0', { hub: false });
    pd = ctx.allocPd();
    mr = pd.registerMemory(new Uint8Array(64), Access.LOCAL_WRITE);
  });
  afterAll(() => ctx.close());

  /** The smallest request an opcode's traits call for. */
  function request(value: number): SendWorkRequest {
    const f = WR_OPCODE_TRAITS[value]!.flags;
    return {
      opcode: value as SendWorkRequest['opcode'],
      sgList: [{ mr, offset: 0, length: 8 }],
      ...(f & OpTrait.REMOTE ? { remoteAddr: 64n, rkey: 5 } : {}),
      ...(f & OpTrait.ATOMIC ? { compareAdd: 1n } : {}),
      ...(f & OpTrait.SWAP ? { swap: 2n } : {}),
      ...(f & OpTrait.IMM ? { imm: 0xabcd } : {}),
    };
  }

  for (const type of [QpType.RC, QpType.UC]) {
    for (const t of rows) {
      const allowed = (t.qpTypes & qpTypeBit(type)) !== 0;
      it(`${t.name} on ${qpTypeName(type)}: ${allowed ? 'accepted with the fields its traits name' : 'UnsupportedError'}`, () => {
        const limits = { type, maxSge: 4, maxInline: 64, sqSigAll: false };
        const run = (): ReturnType<typeof toSendWrSpecs> => toSendWrSpecs(request(t.value), limits);
        if (!allowed) {
          expect(run).toThrow(UnsupportedError);
          expect(run).toThrow(new RegExp(`${t.name} is not allowed on a ${qpTypeName(type)} queue pair`));
          return;
        }
        const [spec] = run();
        expect(spec!.opcode).toBe(t.value);
        expect(spec!.remoteAddr).toBe(t.flags & OpTrait.REMOTE ? 64n : 0n);
        expect(spec!.rkey).toBe(t.flags & OpTrait.REMOTE ? 5 : 0);
        expect(spec!.imm).toBe(t.flags & OpTrait.IMM ? 0xabcd : 0);
        expect(spec!.compareAdd).toBe(t.flags & OpTrait.ATOMIC ? 1n : 0n);
        expect(spec!.swap).toBe(t.flags & OpTrait.SWAP ? 2n : 0n);
        const inline = (): unknown => toSendWrSpecs({ ...request(t.value), inline: true }, limits);
        if (t.flags & OpTrait.PAYLOAD_OUT) expect(inline).not.toThrow();
        else expect(inline).toThrow(/cannot be inline/);
        const withImm = (): unknown => toSendWrSpecs({ ...request(t.value), imm: 1 }, limits);
        if (t.flags & OpTrait.IMM) expect(withImm).not.toThrow();
        else expect(withImm).toThrow(/carries no immediate data/);
      });
    }
  }
});
