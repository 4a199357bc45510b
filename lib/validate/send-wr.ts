import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { UnsupportedError } from '../errors/unsupported-error.js';
import { QpType, qpTypeName } from '../constants/qp.js';
import { SendFlags, WrOpcode } from '../constants/wr-opcode.js';
import { OpTrait, opcodesAllowedOn, qpTypeBit, wrOpcodeTraits, type WrOpcodeTraits } from '../constants/wr-opcode-traits.js';
import type { SendWrSpec } from '../provider/spi.js';
import type { SendWorkRequest } from '../types/work-request.js';
import { AddressHandle } from '../address-handle.js';
import { describe, intError, isIntIn, isU64, MAX_WR_ID, u64Error } from './numbers.js';
import { fillSgeSpecs } from './sge.js';
import { booleanError } from './options.js';
import { sendSpecPool, type SendSlot, type SpecPool } from './spec-pool.js';
import { wrPath } from './wr-path.js';

/** What send validation needs to know about the QP. */
export interface SendLimits {
  readonly type: number;
  readonly maxSge: number;
  readonly maxInline: number;
  readonly sqSigAll: boolean;
}

/** The largest message InfiniBand allows (2^31 bytes). */
export const MAX_MESSAGE = 0x8000_0000;

function checkOpcodeForType(i: number, op: WrOpcodeTraits, type: number): void {
  if ((op.qpTypes & qpTypeBit(type)) !== 0) return;
  const name = qpTypeName(type);
  throw new UnsupportedError(`${op.name} on ${name}`, `${wrPath(i, 'opcode')}: ${op.name} is not allowed on a ${name} queue pair (it takes ${opcodesAllowedOn(type).join(', ')})`);
}

function checkFlag(i: number, key: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw booleanError('postSend()', wrPath(i, key), value);
}

function checkU32(i: number, key: string, value: unknown): number {
  if (!isIntIn(value, 0, 0xffff_ffff)) throw intError(wrPath(i, key), value, 0, 0xffff_ffff);
  return value;
}

function checkOperand(i: number, key: string, value: unknown): bigint {
  if (!isU64(value)) throw u64Error(wrPath(i, key), value);
  return value;
}

/**
 * Validate one send work request or an array of them against the QP.
 * Every field it reads is checked for type and range; keys it does not
 * read are not looked for (that would cost each post a walk over the
 * request's keys), so a misspelt optional field is ignored like an absent one.
 * The specs are written into `pool` (the QP's own, reused from post to
 * post: nothing is allocated and no string built once it has grown, unless
 * a request is wrong) and are valid until the next validation into it.
 * @throws InvalidArgumentError naming the bad field.
 * @throws UnsupportedError for an opcode the QP type does not allow.
 * @throws ClosedError when a region or address handle is closed.
 */
export function toSendWrSpecs(input: SendWorkRequest | readonly SendWorkRequest[], qp: SendLimits, pool: SpecPool<SendSlot> = sendSpecPool()): readonly SendWrSpec[] {
  return pool.fill(input, qp, fillSendSpec);
}

/** Validate request `i` into `out`. */
export function fillSendSpec(i: number, wr: SendWorkRequest, qp: SendLimits, out: SendSlot): void {
  if (wr === null || typeof wr !== 'object') throw new InvalidArgumentError(wrPath(i), `must be an object, got ${describe(wr)}`);
  const wrId = wr.wrId ?? 0;
  if (wr.wrId !== undefined && !isIntIn(wrId, 0, MAX_WR_ID)) throw intError(wrPath(i, 'wrId'), wrId, 0, MAX_WR_ID);
  const opcode = wr.opcode ?? WrOpcode.SEND;
  const op = wrOpcodeTraits(opcode);
  if (op === undefined) throw new InvalidArgumentError(wrPath(i, 'opcode'), `must be a WrOpcode value, got ${describe(opcode)}`);
  checkOpcodeForType(i, op, qp.type);
  const traits = op.flags;
  const length = fillSgeSpecs(i, wr.sgList, qp.maxSge, out.sgList);
  const numSge = out.sgList.length;
  if (length > MAX_MESSAGE) throw new InvalidArgumentError(wrPath(i, 'sgList'), `message of ${length} bytes exceeds 2^31`);

  checkFlag(i, 'signaled', wr.signaled);
  checkFlag(i, 'solicited', wr.solicited);
  checkFlag(i, 'fence', wr.fence);
  checkFlag(i, 'inline', wr.inline);
  let flags = 0;
  if (wr.signaled ?? true) flags |= SendFlags.SIGNALED;
  if (qp.sqSigAll) flags |= SendFlags.SIGNALED;
  if (wr.solicited) flags |= SendFlags.SOLICITED;
  if (wr.fence) flags |= SendFlags.FENCE;
  if (wr.inline) {
    if ((traits & OpTrait.PAYLOAD_OUT) === 0) {
      throw new InvalidArgumentError(wrPath(i, 'inline'), `${op.name} cannot be inline (it sends no payload)`);
    }
    if (length > qp.maxInline) {
      throw new InvalidArgumentError(wrPath(i, 'inline'), `${length} bytes exceed the QP's maxInline ${qp.maxInline}`);
    }
    flags |= SendFlags.INLINE;
  }

  let imm = 0;
  if ((traits & OpTrait.IMM) !== 0) {
    imm = checkU32(i, 'imm', wr.imm ?? 0);
  } else if (wr.imm !== undefined) {
    throw new InvalidArgumentError(wrPath(i, 'imm'), `${op.name} carries no immediate data (only the *_WITH_IMM opcodes do)`);
  }

  let remoteAddr = 0n;
  let rkey = 0;
  let compareAdd = 0n;
  let swap = 0n;
  if ((traits & OpTrait.REMOTE) !== 0) {
    remoteAddr = checkOperand(i, 'remoteAddr', wr.remoteAddr);
    rkey = checkU32(i, 'rkey', wr.rkey);
  }
  if ((traits & OpTrait.ATOMIC) !== 0) {
    if (numSge !== 1 || length !== 8) {
      throw new InvalidArgumentError(wrPath(i, 'sgList'), `${op.name} needs exactly one 8-byte SGE for the original value, got ${numSge} SGE(s) of ${length} bytes`);
    }
    if (remoteAddr % 8n !== 0n) throw new InvalidArgumentError(wrPath(i, 'remoteAddr'), 'atomics need an 8-byte aligned address');
    compareAdd = checkOperand(i, 'compareAdd', wr.compareAdd ?? 0n);
    swap = (traits & OpTrait.SWAP) !== 0 ? checkOperand(i, 'swap', wr.swap ?? 0n) : 0n;
  }

  let ah = null;
  let remoteQpn = 0;
  let remoteQkey = 0;
  if (qp.type === QpType.UD) {
    if (!(wr.ah instanceof AddressHandle)) throw new InvalidArgumentError(wrPath(i, 'ah'), 'a UD send needs an AddressHandle (pd.createAddressHandle(endpoint))');
    ah = wr.ah.backend();
    if (!isIntIn(wr.remoteQpn, 1, 0xff_ffff)) throw intError(wrPath(i, 'remoteQpn'), wr.remoteQpn, 1, 0xff_ffff);
    remoteQpn = wr.remoteQpn;
    remoteQkey = checkU32(i, 'remoteQkey', wr.remoteQkey ?? 0);
  } else if (wr.ah !== undefined) {
    throw new InvalidArgumentError(wrPath(i, 'ah'), `only UD sends take an address handle; this QP is ${qpTypeName(qp.type)}`);
  }

  out.wrId = wrId;
  out.opcode = op.value;
  out.length = length;
  out.imm = imm;
  out.remoteAddr = remoteAddr;
  out.rkey = rkey;
  out.compareAdd = compareAdd;
  out.swap = swap;
  out.flags = flags;
  out.ah = ah;
  out.remoteQpn = remoteQpn;
  out.remoteQkey = remoteQkey;
}
