import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { UnsupportedError } from '../errors/unsupported-error.js';
import { QpType, qpTypeName } from '../constants/qp.js';
import { SendFlags, WrOpcode } from '../constants/wr-opcode.js';
import { OpTrait, opcodesAllowedOn, qpTypeBit, wrOpcodeTraits, type WrOpcodeTraits } from '../constants/wr-opcode-traits.js';
import type { SendWrSpec } from '../provider/spi.js';
import type { SendWorkRequest } from '../types/work-request.js';
import { AddressHandle } from '../address-handle.js';
import { checkInt, checkU64, describe, MAX_WR_ID } from './numbers.js';
import { toSgeSpecs } from './sge.js';
import { checkOptionalBoolean } from './options.js';

/** What send validation needs to know about the QP. */
export interface SendLimits {
  readonly type: number;
  readonly maxSge: number;
  readonly maxInline: number;
  readonly sqSigAll: boolean;
}

/** The largest message InfiniBand allows (2^31 bytes). */
export const MAX_MESSAGE = 0x8000_0000;

function checkOpcodeForType(at: string, op: WrOpcodeTraits, type: number): void {
  if ((op.qpTypes & qpTypeBit(type)) !== 0) return;
  const name = qpTypeName(type);
  throw new UnsupportedError(`${op.name} on ${name}`, `${at}.opcode: ${op.name} is not allowed on a ${name} queue pair (it takes ${opcodesAllowedOn(type).join(', ')})`);
}

/**
 * Validate one send work request or an array of them against the QP.
 * Every field it reads is checked for type and range; keys it does not
 * read are not looked for (that would cost each post a walk over the
 * request's keys), so a misspelt optional field is ignored like an absent one.
 * @throws InvalidArgumentError naming the bad field.
 * @throws UnsupportedError for an opcode the QP type does not allow.
 * @throws ClosedError when a region or address handle is closed.
 */
export function toSendWrSpecs(input: SendWorkRequest | readonly SendWorkRequest[], qp: SendLimits): SendWrSpec[] {
  const list = Array.isArray(input) ? input : [input as SendWorkRequest];
  const out: SendWrSpec[] = [];
  for (let i = 0; i < list.length; i++) out.push(toSendWrSpec(`wr[${i}]`, list[i] as SendWorkRequest, qp));
  return out;
}

function toSendWrSpec(at: string, wr: SendWorkRequest, qp: SendLimits): SendWrSpec {
  if (wr === null || typeof wr !== 'object') throw new InvalidArgumentError(at, `must be an object, got ${describe(wr)}`);
  const wrId = wr.wrId === undefined ? 0 : checkInt(`${at}.wrId`, wr.wrId, 0, MAX_WR_ID);
  const opcode = wr.opcode ?? WrOpcode.SEND;
  const op = wrOpcodeTraits(opcode);
  if (op === undefined) throw new InvalidArgumentError(`${at}.opcode`, `must be a WrOpcode value, got ${describe(opcode)}`);
  checkOpcodeForType(at, op, qp.type);
  const traits = op.flags;
  const { sges, length } = toSgeSpecs(`${at}.sgList`, wr.sgList, qp.maxSge);
  if (length > MAX_MESSAGE) throw new InvalidArgumentError(`${at}.sgList`, `message of ${length} bytes exceeds 2^31`);

  checkOptionalBoolean('postSend()', at, 'signaled', wr.signaled);
  checkOptionalBoolean('postSend()', at, 'solicited', wr.solicited);
  checkOptionalBoolean('postSend()', at, 'fence', wr.fence);
  checkOptionalBoolean('postSend()', at, 'inline', wr.inline);
  let flags = 0;
  if (wr.signaled ?? true) flags |= SendFlags.SIGNALED;
  if (qp.sqSigAll) flags |= SendFlags.SIGNALED;
  if (wr.solicited) flags |= SendFlags.SOLICITED;
  if (wr.fence) flags |= SendFlags.FENCE;
  if (wr.inline) {
    if ((traits & OpTrait.PAYLOAD_OUT) === 0) {
      throw new InvalidArgumentError(`${at}.inline`, `${op.name} cannot be inline (it sends no payload)`);
    }
    if (length > qp.maxInline) {
      throw new InvalidArgumentError(`${at}.inline`, `${length} bytes exceed the QP's maxInline ${qp.maxInline}`);
    }
    flags |= SendFlags.INLINE;
  }

  let imm = 0;
  if ((traits & OpTrait.IMM) !== 0) {
    imm = checkInt(`${at}.imm`, wr.imm ?? 0, 0, 0xffff_ffff);
  } else if (wr.imm !== undefined) {
    throw new InvalidArgumentError(`${at}.imm`, `${op.name} carries no immediate data (only the *_WITH_IMM opcodes do)`);
  }

  let remoteAddr = 0n;
  let rkey = 0;
  let compareAdd = 0n;
  let swap = 0n;
  if ((traits & OpTrait.REMOTE) !== 0) {
    remoteAddr = checkU64(`${at}.remoteAddr`, wr.remoteAddr);
    rkey = checkInt(`${at}.rkey`, wr.rkey, 0, 0xffff_ffff);
  }
  if ((traits & OpTrait.ATOMIC) !== 0) {
    if (sges.length !== 1 || length !== 8) {
      throw new InvalidArgumentError(`${at}.sgList`, `${op.name} needs exactly one 8-byte SGE for the original value, got ${sges.length} SGE(s) of ${length} bytes`);
    }
    if (remoteAddr % 8n !== 0n) throw new InvalidArgumentError(`${at}.remoteAddr`, 'atomics need an 8-byte aligned address');
    compareAdd = checkU64(`${at}.compareAdd`, wr.compareAdd ?? 0n);
    swap = (traits & OpTrait.SWAP) !== 0 ? checkU64(`${at}.swap`, wr.swap ?? 0n) : 0n;
  }

  let ah = null;
  let remoteQpn = 0;
  let remoteQkey = 0;
  if (qp.type === QpType.UD) {
    if (!(wr.ah instanceof AddressHandle)) throw new InvalidArgumentError(`${at}.ah`, 'a UD send needs an AddressHandle (pd.createAddressHandle(endpoint))');
    ah = wr.ah.backend();
    remoteQpn = checkInt(`${at}.remoteQpn`, wr.remoteQpn, 1, 0xff_ffff);
    remoteQkey = checkInt(`${at}.remoteQkey`, wr.remoteQkey ?? 0, 0, 0xffff_ffff);
  } else if (wr.ah !== undefined) {
    throw new InvalidArgumentError(`${at}.ah`, `only UD sends take an address handle; this QP is ${qpTypeName(qp.type)}`);
  }

  return { wrId, opcode: op.value, sgList: sges, length, imm, remoteAddr, rkey, compareAdd, swap, flags, ah, remoteQpn, remoteQkey };
}
