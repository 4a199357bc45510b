import { HubProtocolError } from './errors.js';
import { OpTrait } from '../../../constants/wr-opcode-traits.js';
import { requestTraits, type RequestPacket, type ResponsePacket } from '../packets.js';
import { BytesPayload, EMPTY_PAYLOAD } from '../payload.js';

/**
 * The peer-to-peer wire format (little-endian). Every frame starts with a
 * u32 length of what follows and a u8 type:
 *
 * - `REQUEST` (72-byte header, then the payload): u8 opcode, u8 qpType,
 *   u8 flags (1 = solicited), u16 srcLid, u16 dstLid, u32 srcQpn, u32 dstQpn,
 *   u32 imm, u32 rkey, u32 readLength, u32 qkey, u32 pkey (0 from peers
 *   that predate partitions), f64 psn,
 *   u64 remoteAddr, u64 compareAdd, u64 swap. The 64-bit fields are 0
 *   unless the opcode uses them (`requestTraits`).
 * - `RESPONSE` (40-byte header, then the READ data): u8 syndrome,
 *   u16 dstLid, u32 dstQpn, u32 rnrDelayMs, f64 psn, u64 atomicOrig,
 *   u8 hasData, 7 bytes 0.
 * - `CONTROL` (5-byte header, then a UTF-8 JSON object with a type `t`):
 *   `hello`, `welcome`, `error`, `up`, `down`.
 */
export const FrameType = { REQUEST: 1, RESPONSE: 2, CONTROL: 3 } as const;

/** The version of the peer protocol (in `hello` and `welcome`). */
export const PEER_PROTOCOL_VERSION = 1;
export const REQUEST_HEADER = 72;
export const RESPONSE_HEADER = 40;
export const CONTROL_HEADER = 5;
/** Length field plus type byte. */
export const FRAME_PREFIX = 5;
/** The largest frame accepted (a 2 GiB message plus its header). */
export const MAX_PEER_FRAME = 0x8000_0000 + REQUEST_HEADER;
/** The largest control frame accepted. */
export const MAX_CONTROL_FRAME = 1 << 20;

/**
 * The header size of a frame of `type` whose length field is `len`.
 * @throws HubProtocolError for an unknown type or a length that does not fit it.
 */
export function headerSize(type: number, len: number): number {
  let size: number;
  if (type === FrameType.REQUEST) size = REQUEST_HEADER;
  else if (type === FrameType.RESPONSE) size = RESPONSE_HEADER;
  else if (type === FrameType.CONTROL) size = CONTROL_HEADER;
  else throw new HubProtocolError(`unknown peer frame type ${type}`);
  const total = len + 4;
  if (total < size || total > MAX_PEER_FRAME || (type === FrameType.CONTROL && total > MAX_CONTROL_FRAME)) {
    throw new HubProtocolError(`bad length ${len} for a peer frame of type ${type}`);
  }
  return size;
}

/** Write a request header at `o` for a payload of `payloadLen` bytes. */
export function writeRequestHeader(b: Buffer, o: number, pkt: RequestPacket, dstLid: number, payloadLen: number): void {
  b.writeUInt32LE(REQUEST_HEADER - 4 + payloadLen, o);
  b[o + 4] = FrameType.REQUEST;
  b[o + 5] = pkt.opcode;
  b[o + 6] = pkt.qpType;
  b[o + 7] = pkt.solicited ? 1 : 0;
  b.writeUInt16LE(pkt.srcLid & 0xffff, o + 8);
  b.writeUInt16LE(dstLid, o + 10);
  b.writeUInt32LE(pkt.srcQpn >>> 0, o + 12);
  b.writeUInt32LE(pkt.dstQpn >>> 0, o + 16);
  b.writeUInt32LE(pkt.imm >>> 0, o + 20);
  b.writeUInt32LE(pkt.rkey >>> 0, o + 24);
  b.writeUInt32LE(pkt.readLength >>> 0, o + 28);
  b.writeUInt32LE(pkt.qkey >>> 0, o + 32);
  b.writeUInt32LE(pkt.pkey & 0xffff, o + 36);
  b.writeDoubleLE(pkt.psn, o + 40);
  const traits = requestTraits(pkt.opcode);
  const atomic = (traits & OpTrait.ATOMIC) !== 0;
  b.writeBigUInt64LE((traits & OpTrait.REMOTE) !== 0 ? BigInt.asUintN(64, pkt.remoteAddr) : 0n, o + 48);
  b.writeBigUInt64LE(atomic ? BigInt.asUintN(64, pkt.compareAdd) : 0n, o + 56);
  b.writeBigUInt64LE(atomic ? BigInt.asUintN(64, pkt.swap) : 0n, o + 64);
}

/** Write a response header at `o` (`dataLen` bytes of READ data follow when `hasData`). */
export function writeResponseHeader(b: Buffer, o: number, pkt: ResponsePacket, dstLid: number, dataLen: number): void {
  b.writeUInt32LE(RESPONSE_HEADER - 4 + dataLen, o);
  b[o + 4] = FrameType.RESPONSE;
  b[o + 5] = pkt.syndrome;
  b.writeUInt16LE(dstLid, o + 6);
  b.writeUInt32LE(pkt.dstQpn >>> 0, o + 8);
  b.writeUInt32LE(pkt.rnrDelayMs >>> 0, o + 12);
  b.writeDoubleLE(pkt.psn, o + 16);
  b.writeBigUInt64LE(BigInt.asUintN(64, pkt.atomicOrig), o + 24);
  b[o + 32] = pkt.data ? 1 : 0;
  b.fill(0, o + 33, o + 40);
}

/** Source LID of a request header. */
export function requestSrcLid(h: Buffer): number { return h.readUInt16LE(8); }
/** Destination LID of a request header. */
export function requestDstLid(h: Buffer): number { return h.readUInt16LE(10); }
/** Destination LID of a response header. */
export function responseDstLid(h: Buffer): number { return h.readUInt16LE(6); }

/** Decode a request; the payload is `body` itself (no copy). 64-bit fields the opcode does not use decode as 0. */
export function decodeRequest(h: Buffer, body: Buffer, srcGid: string): RequestPacket {
  const opcode = h[5]!;
  const traits = requestTraits(opcode);
  const atomic = (traits & OpTrait.ATOMIC) !== 0;
  return {
    srcGid, srcLid: h.readUInt16LE(8), srcQpn: h.readUInt32LE(12), dstQpn: h.readUInt32LE(16), psn: h.readDoubleLE(40),
    opcode, payload: body.length === 0 ? EMPTY_PAYLOAD : new BytesPayload(body), imm: h.readUInt32LE(20),
    remoteAddr: (traits & OpTrait.REMOTE) !== 0 ? h.readBigUInt64LE(48) : 0n, rkey: h.readUInt32LE(24), readLength: h.readUInt32LE(28),
    compareAdd: atomic ? h.readBigUInt64LE(56) : 0n, swap: atomic ? h.readBigUInt64LE(64) : 0n,
    qkey: h.readUInt32LE(32), pkey: h.readUInt32LE(36) & 0xffff, qpType: h[6]!, solicited: (h[7]! & 1) !== 0,
  };
}

/** Decode a response; READ data is `body` itself (no copy). */
export function decodeResponse(h: Buffer, body: Buffer): ResponsePacket {
  return {
    dstQpn: h.readUInt32LE(8), psn: h.readDoubleLE(16), syndrome: h[5]!, rnrDelayMs: h.readUInt32LE(12),
    data: h[32] === 1 ? new BytesPayload(body) : null, atomicOrig: h.readBigUInt64LE(24),
  };
}
