import { Syndrome, type RequestPacket } from '../packets.js';
import { QpType } from '../../../constants/qp.js';
import { sharedMemory } from '../mapping/shared-memory.js';
import { MappedPayload, placeInto } from '../mapping/mapped-payload.js';
import { mappingStats } from '../mapping/stats.js';
import { MappedFlag, openPieces, readPieces } from './mapped-wire.js';
import { decodeRequest, requestSrcLid } from './peer-wire.js';
import type { FrameWriter } from './frame-writer.js';

const NO_BODY = Buffer.alloc(0);

/** A request whose memory lies in the requester's shared memory, and the requester QP's guard word. */
export interface MappedRequest {
  readonly pkt: RequestPacket;
  readonly guardWords: Int32Array;
  readonly guardSlot: number;
}

/** Whether a request header says its body lists pieces of shared memory. */
export function requestMapped(h: Buffer): boolean {
  return (h[7]! & (MappedFlag.PAYLOAD | MappedFlag.READ_SINK)) !== 0;
}

/**
 * Decode a request whose bytes (or READ destination) lie in the sender's
 * shared memory: its payload reads straight from there, or its READ data is
 * placed straight there. When that memory cannot be mapped, an RC request
 * is answered REM_OP (the requester's send completes with REM_OP_ERR) and
 * null returned. The caller executes it inside `enterGuard`/`leaveGuard`.
 * @throws HubProtocolError for a malformed list of pieces.
 */
export function openMappedRequest(h: Buffer, body: Buffer, srcGid: string, reply: FrameWriter | null): MappedRequest | null {
  const { guard, pieces } = readPieces(body);
  const base = decodeRequest(h, NO_BODY, srcGid);
  const mem = sharedMemory();
  let views: Uint8Array[] | null = null;
  let guardWords: Int32Array | null = null;
  try {
    if (mem !== null) {
      const g = mem.map(guard.name, guard.size);
      guardWords = new Int32Array(g.buffer, g.byteOffset, Math.floor(guard.size / 4));
      views = openPieces(pieces, mem);
    }
  } catch {
    views = null;
  }
  if (views === null || guardWords === null) {
    if (base.qpType === QpType.RC) {
      reply?.response({ dstQpn: base.srcQpn, psn: base.psn, syndrome: Syndrome.REM_OP, rnrDelayMs: 0, data: null, atomicOrig: 0n }, requestSrcLid(h));
    }
    return null;
  }
  mappingStats.requestsIn++;
  if ((h[7]! & MappedFlag.PAYLOAD) !== 0) {
    const payload = new MappedPayload(views);
    mappingStats.bytesIn += payload.length;
    return { pkt: { ...base, payload }, guardWords, guardSlot: guard.slot };
  }
  const sink = views;
  const placeRead = (data: Uint8Array): void => {
    mappingStats.bytesIn += data.byteLength;
    placeInto(sink, data);
  };
  return { pkt: { ...base, placeRead }, guardWords, guardSlot: guard.slot };
}
