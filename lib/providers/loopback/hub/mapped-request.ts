import { Syndrome, type RequestPacket } from '../packets.js';
import { QpType } from '../../../constants/qp.js';
import { sharedMemory } from '../mapping/shared-memory.js';
import { MappedPayload, placeInto } from '../mapping/mapped-payload.js';
import { mappingStats } from '../mapping/stats.js';
import { MappedFlag, openPieces, readPieces } from './mapped-wire.js';
import { decodeRequest, requestSrcLid } from './peer-wire.js';
import type { FrameWriter } from './frame-writer.js';

const NO_BODY = Buffer.alloc(0);

/** Whether a request header says its body lists pieces of shared memory. */
export function requestMapped(h: Buffer): boolean {
  return (h[7]! & (MappedFlag.PAYLOAD | MappedFlag.READ_SINK)) !== 0;
}

/**
 * Decode a request whose bytes (or READ destination) lie in the sender's
 * shared memory: its payload reads straight from there, or its READ data is
 * placed straight there. When that memory cannot be mapped, an RC request
 * is answered REM_OP (the requester's send completes with REM_OP_ERR) and
 * null returned.
 * @throws HubProtocolError for a malformed list of pieces.
 */
export function openMappedRequest(h: Buffer, body: Buffer, srcGid: string, reply: FrameWriter | null): RequestPacket | null {
  const pieces = readPieces(body);
  const base = decodeRequest(h, NO_BODY, srcGid);
  const mem = sharedMemory();
  let views: Uint8Array[] | null = null;
  try {
    if (mem !== null) views = openPieces(pieces, mem);
  } catch {
    views = null;
  }
  if (views === null) {
    if (base.qpType === QpType.RC) {
      reply?.response({ dstQpn: base.srcQpn, psn: base.psn, syndrome: Syndrome.REM_OP, rnrDelayMs: 0, data: null, atomicOrig: 0n }, requestSrcLid(h));
    }
    return null;
  }
  mappingStats.requestsIn++;
  if ((h[7]! & MappedFlag.PAYLOAD) !== 0) {
    const payload = new MappedPayload(views);
    mappingStats.bytesIn += payload.length;
    return { ...base, payload };
  }
  const sink = views;
  return {
    ...base,
    placeRead: (data) => {
      mappingStats.bytesIn += data.byteLength;
      placeInto(sink, data);
    },
  };
}
