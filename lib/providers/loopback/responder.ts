import { Access } from '../../constants/access.js';
import { QpType } from '../../constants/qp.js';
import { WcStatus } from '../../constants/wc-status.js';
import { WcOpcode } from '../../constants/wc-opcode.js';
import { WrOpcode } from '../../constants/wr-opcode.js';
import { Syndrome, type RequestPacket } from './packets.js';
import { BytesPayload, scatter, type Payload } from './payload.js';
import type { LoopMr } from './mr.js';
import type { LoopQp } from './qp.js';
import { GRH_BYTES } from './qp.js';

/** The zeroed GRH placed in front of UD receives (made on first use: qp.ts and this module import each other). */
let grh: BytesPayload | null = null;

/**
 * Execute a request that arrived in order at `qp`: place a SEND in the next
 * receive buffer, an RDMA WRITE at the address its rkey names, answer a READ
 * or an atomic, and reply (RC only) with an ACK or the right NAK.
 */
export function executeRequest(qp: LoopQp, pkt: RequestPacket): void {
  switch (pkt.opcode) {
    case WrOpcode.SEND:
    case WrOpcode.SEND_WITH_IMM:
      receiveSend(qp, pkt);
      return;
    case WrOpcode.RDMA_WRITE:
    case WrOpcode.RDMA_WRITE_WITH_IMM:
      receiveWrite(qp, pkt);
      return;
    case WrOpcode.RDMA_READ:
      receiveRead(qp, pkt);
      return;
    case WrOpcode.ATOMIC_CMP_AND_SWP:
    case WrOpcode.ATOMIC_FETCH_AND_ADD:
      receiveAtomic(qp, pkt);
      return;
    default:
      reply(qp, pkt, Syndrome.REM_INV_REQ);
  }
}

function reply(qp: LoopQp, pkt: RequestPacket, syndrome: number, data: Payload | null = null, atomicOrig = 0n): void {
  if (qp.type !== QpType.RC) return;
  if (syndrome === Syndrome.ACK) qp.expectedPsn = pkt.psn + 1;
  qp.node.route(pkt.srcGid)?.sendResponse({
    dstQpn: pkt.srcQpn, psn: pkt.psn, syndrome, rnrDelayMs: syndrome === Syndrome.RNR ? qp.rnrDelayMs : 0, data, atomicOrig,
  });
}

function immOf(pkt: RequestPacket): number | null {
  return pkt.opcode === WrOpcode.SEND_WITH_IMM || pkt.opcode === WrOpcode.RDMA_WRITE_WITH_IMM ? pkt.imm : null;
}

function receiveSend(qp: LoopQp, pkt: RequestPacket): void {
  const wr = qp.takeRecv();
  if (!wr) {
    reply(qp, pkt, Syndrome.RNR);
    return;
  }
  const skip = qp.type === QpType.UD ? GRH_BYTES : 0;
  const total = pkt.payload.length + skip;
  if (total > wr.length) {
    qp.completeRecv(wr, WcStatus.LOC_LEN_ERR, WcOpcode.RECV, 0, null, pkt);
    if (qp.type !== QpType.UD) qp.responderError();
    reply(qp, pkt, Syndrome.REM_INV_REQ);
    return;
  }
  if (!qp.recvSgesOk(wr.sgList)) {
    qp.completeRecv(wr, WcStatus.LOC_PROT_ERR, WcOpcode.RECV, 0, null, pkt);
    if (qp.type !== QpType.UD) qp.responderError();
    reply(qp, pkt, Syndrome.REM_OP);
    return;
  }
  if (skip > 0) scatter(grh ??= new BytesPayload(new Uint8Array(GRH_BYTES)), wr.sgList);
  scatter(pkt.payload, wr.sgList, skip);
  qp.completeRecv(wr, WcStatus.SUCCESS, WcOpcode.RECV, total, immOf(pkt), pkt);
  reply(qp, pkt, Syndrome.ACK);
}

/** The region and offset an rkey-addressed range falls in, or null when access is not allowed. */
function target(qp: LoopQp, pkt: RequestPacket, flag: number, length: number): { mr: LoopMr; offset: number } | null {
  const mr = qp.node.mrs.get(pkt.rkey);
  if (!mr || mr.closed || mr.pdId !== qp.pdId) return null;
  if ((mr.access & flag) === 0 || (qp.access & flag) === 0) return null;
  if (pkt.remoteAddr < mr.addr) return null;
  const offset = pkt.remoteAddr - mr.addr;
  if (offset + BigInt(length) > BigInt(mr.length)) return null;
  return { mr, offset: Number(offset) };
}

function receiveWrite(qp: LoopQp, pkt: RequestPacket): void {
  const len = pkt.payload.length;
  const t = target(qp, pkt, Access.REMOTE_WRITE, len);
  if (!t) {
    reply(qp, pkt, Syndrome.REM_ACCESS);
    return;
  }
  const imm = immOf(pkt);
  const wr = imm === null ? undefined : qp.takeRecv();
  if (imm !== null && !wr) {
    reply(qp, pkt, Syndrome.RNR);
    return;
  }
  if (len > 0) pkt.payload.read(0, t.mr.bytes, t.offset, len);
  if (wr) qp.completeRecv(wr, WcStatus.SUCCESS, WcOpcode.RECV_RDMA_WITH_IMM, len, imm, pkt);
  reply(qp, pkt, Syndrome.ACK);
}

function receiveRead(qp: LoopQp, pkt: RequestPacket): void {
  const t = target(qp, pkt, Access.REMOTE_READ, pkt.readLength);
  if (!t) {
    reply(qp, pkt, Syndrome.REM_ACCESS);
    return;
  }
  reply(qp, pkt, Syndrome.ACK, new BytesPayload(t.mr.bytes.subarray(t.offset, t.offset + pkt.readLength)));
}

function receiveAtomic(qp: LoopQp, pkt: RequestPacket): void {
  const t = target(qp, pkt, Access.REMOTE_ATOMIC, 8);
  if (!t || t.offset % 8 !== 0) {
    reply(qp, pkt, Syndrome.REM_ACCESS);
    return;
  }
  const cas = pkt.opcode === WrOpcode.ATOMIC_CMP_AND_SWP;
  let orig: bigint;
  const { mr, offset } = t;
  if (mr.words) {
    const i = offset / 8;
    orig = cas ? Atomics.compareExchange(mr.words, i, pkt.compareAdd, pkt.swap) : Atomics.add(mr.words, i, pkt.compareAdd);
  } else {
    const view = new DataView(mr.bytes.buffer, mr.bytes.byteOffset + offset, 8);
    orig = view.getBigUint64(0, true);
    if (cas) {
      if (orig === pkt.compareAdd) view.setBigUint64(0, pkt.swap, true);
    } else {
      view.setBigUint64(0, BigInt.asUintN(64, orig + pkt.compareAdd), true);
    }
  }
  reply(qp, pkt, Syndrome.ACK, null, orig);
}
