import type { RequestPacket, ResponsePacket } from '../packets.js';
import { EMPTY_PAYLOAD, type Payload } from '../payload.js';

/** A request decoded from a ring: one object per thread, refilled for every record. */
export class RingRequest implements RequestPacket {
  srcGid = '';
  srcLid = 0;
  srcQpn = 0;
  dstQpn = 0;
  psn = 0;
  opcode = 0;
  payload: Payload = EMPTY_PAYLOAD;
  imm = 0;
  remoteAddr = 0n;
  rkey = 0;
  readLength = 0;
  compareAdd = 0n;
  swap = 0n;
  qkey = 0;
  pkey = 0;
  qpType = 0;
  solicited = false;
}

/** A response decoded from a ring: one object per thread, refilled for every record. */
export class RingResponse implements ResponsePacket {
  dstQpn = 0;
  psn = 0;
  syndrome = 0;
  rnrDelayMs = 0;
  data: Payload | null = null;
  atomicOrig = 0n;
}
