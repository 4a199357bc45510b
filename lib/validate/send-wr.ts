import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { UnsupportedError } from '../errors/unsupported-error.js';
import { QpType, qpTypeName } from '../constants/qp.js';
import { SendFlags, WrOpcode, wrOpcodeName } from '../constants/wr-opcode.js';
import type { SendWrSpec } from '../provider/spi.js';
import type { SendWorkRequest } from '../types/work-request.js';
import { AddressHandle } from '../address-handle.js';
import { checkInt, checkU64, describe, MAX_WR_ID } from './numbers.js';
import { toSgeSpecs } from './sge.js';

/** What send validation needs to know about the QP. */
export interface SendLimits {
  readonly type: number;
  readonly maxSge: number;
  readonly maxInline: number;
  readonly sqSigAll: boolean;
}

/** The largest message InfiniBand allows (2^31 bytes). */
export const MAX_MESSAGE = 0x8000_0000;

const KNOWN_OPCODES = new Set<number>(Object.values(WrOpcode));

function isRdma(op: number): boolean {
  return op === WrOpcode.RDMA_WRITE || op === WrOpcode.RDMA_WRITE_WITH_IMM || op === WrOpcode.RDMA_READ;
}

function isAtomic(op: number): boolean {
  return op === WrOpcode.ATOMIC_CMP_AND_SWP || op === WrOpcode.ATOMIC_FETCH_AND_ADD;
}

function checkOpcodeForType(at: string, op: number, type: number): void {
  if (type === QpType.UD && op !== WrOpcode.SEND && op !== WrOpcode.SEND_WITH_IMM) {
    throw new UnsupportedError(`${wrOpcodeName(op)} on UD`, `${at}.opcode: ${wrOpcodeName(op)} is not allowed on a UD queue pair (SEND and SEND_WITH_IMM only)`);
  }
  if (type === QpType.UC && (op === WrOpcode.RDMA_READ || isAtomic(op))) {
    throw new UnsupportedError(`${wrOpcodeName(op)} on UC`, `${at}.opcode: ${wrOpcodeName(op)} is not allowed on a UC queue pair`);
  }
}

/**
 * Validate one send work request or an array of them against the QP.
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
  if (!KNOWN_OPCODES.has(opcode)) throw new InvalidArgumentError(`${at}.opcode`, `must be a WrOpcode value, got ${describe(opcode)}`);
  checkOpcodeForType(at, opcode, qp.type);
  const { sges, length } = toSgeSpecs(`${at}.sgList`, wr.sgList, qp.maxSge);
  if (length > MAX_MESSAGE) throw new InvalidArgumentError(`${at}.sgList`, `message of ${length} bytes exceeds 2^31`);

  let flags = 0;
  if (wr.signaled ?? true) flags |= SendFlags.SIGNALED;
  if (qp.sqSigAll) flags |= SendFlags.SIGNALED;
  if (wr.solicited) flags |= SendFlags.SOLICITED;
  if (wr.fence) flags |= SendFlags.FENCE;
  if (wr.inline) {
    if (opcode === WrOpcode.RDMA_READ || isAtomic(opcode)) {
      throw new InvalidArgumentError(`${at}.inline`, `${wrOpcodeName(opcode)} cannot be inline`);
    }
    if (length > qp.maxInline) {
      throw new InvalidArgumentError(`${at}.inline`, `${length} bytes exceed the QP's maxInline ${qp.maxInline}`);
    }
    flags |= SendFlags.INLINE;
  }

  let imm = 0;
  if (opcode === WrOpcode.SEND_WITH_IMM || opcode === WrOpcode.RDMA_WRITE_WITH_IMM) {
    imm = checkInt(`${at}.imm`, wr.imm ?? 0, 0, 0xffff_ffff);
  } else if (wr.imm !== undefined) {
    throw new InvalidArgumentError(`${at}.imm`, `only SEND_WITH_IMM and RDMA_WRITE_WITH_IMM carry immediate data`);
  }

  let remoteAddr = 0n;
  let rkey = 0;
  let compareAdd = 0n;
  let swap = 0n;
  if (isRdma(opcode) || isAtomic(opcode)) {
    remoteAddr = checkU64(`${at}.remoteAddr`, wr.remoteAddr);
    rkey = checkInt(`${at}.rkey`, wr.rkey, 0, 0xffff_ffff);
  }
  if (isAtomic(opcode)) {
    if (sges.length !== 1 || length !== 8) {
      throw new InvalidArgumentError(`${at}.sgList`, `${wrOpcodeName(opcode)} needs exactly one 8-byte SGE for the original value, got ${sges.length} SGE(s) of ${length} bytes`);
    }
    if (remoteAddr % 8n !== 0n) throw new InvalidArgumentError(`${at}.remoteAddr`, 'atomics need an 8-byte aligned address');
    compareAdd = checkU64(`${at}.compareAdd`, wr.compareAdd ?? 0n);
    swap = opcode === WrOpcode.ATOMIC_CMP_AND_SWP ? checkU64(`${at}.swap`, wr.swap ?? 0n) : 0n;
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

  return { wrId, opcode, sgList: sges, length, imm, remoteAddr, rkey, compareAdd, swap, flags, ah, remoteQpn, remoteQkey };
}
