import type { RecvWrSpec, SendWrSpec, SgeSpec } from './spi.js';

function copySges(list: readonly SgeSpec[]): SgeSpec[] {
  const out: SgeSpec[] = [];
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    out.push({ mr: s.mr, offset: s.offset, length: s.length });
  }
  return out;
}

/** A copy of a send spec that its caller's next post cannot change (for providers that queue specs). */
export function copySendWrSpec(s: SendWrSpec): SendWrSpec {
  return {
    wrId: s.wrId, opcode: s.opcode, sgList: copySges(s.sgList), length: s.length, imm: s.imm, remoteAddr: s.remoteAddr,
    rkey: s.rkey, compareAdd: s.compareAdd, swap: s.swap, flags: s.flags, ah: s.ah, remoteQpn: s.remoteQpn, remoteQkey: s.remoteQkey,
  };
}

/** A copy of a receive spec that its caller's next post cannot change. */
export function copyRecvWrSpec(s: RecvWrSpec): RecvWrSpec {
  return { wrId: s.wrId, sgList: copySges(s.sgList), length: s.length };
}
