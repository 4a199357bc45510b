import type { RemoteMemory } from '../../types/endpoint.js';
import { ExchangeError, ExchangeErrorCode } from '../../errors/exchange-error.js';
import { decodeRegions, encodeRegions, regionsBytes } from '../exchange/regions-wire.js';

/**
 * What one side of a Connection made through rdma_cm tells the other: the
 * regions it exposes, the size of its receives and the application payload
 * (the QP endpoint is the CM's business).
 */
export interface CmHello {
  readonly regions: readonly RemoteMemory[];
  /** Largest message the sender's posted receives take. */
  readonly recvBytes: number;
  readonly payload: Uint8Array;
}

/** The head of a hello, read from private data: what is known before the rest arrives. */
export interface CmHelloHead {
  readonly recvBytes: number;
  /** Bytes of the whole body (regions and payload). */
  readonly bodyLength: number;
  /** The first bytes of the body, carried in the private data. */
  readonly inline: Uint8Array;
}

/** `V`, `C`: private data that starts otherwise is not a Connection's. */
const MAGIC = 0x5643;
/** The layout version of the private data and body below (docs/connections.md). */
export const CM_HELLO_VERSION = 1;
/** Bytes in front of the body: magic (2), version (1), reserved (1), receive size (4), body length (4). */
export const CM_HELLO_HEAD_BYTES = 12;

/**
 * Encode a hello for private data of at most `limit` bytes: the head and as
 * much of the body as fits; `rest` is what must follow as SENDs.
 */
export function encodeCmHello(h: CmHello, limit: number): { readonly privateData: Uint8Array; readonly rest: Uint8Array } {
  const body = Buffer.alloc(regionsBytes(h.regions.length) + h.payload.length);
  const at = encodeRegions(body, 0, h.regions);
  body.set(h.payload, at);
  const inline = Math.min(body.length, limit - CM_HELLO_HEAD_BYTES);
  const privateData = Buffer.alloc(CM_HELLO_HEAD_BYTES + inline);
  privateData.writeUInt16BE(MAGIC, 0);
  privateData.writeUInt8(CM_HELLO_VERSION, 2);
  privateData.writeUInt32BE(h.recvBytes, 4);
  privateData.writeUInt32BE(body.length, 8);
  privateData.set(body.subarray(0, inline), CM_HELLO_HEAD_BYTES);
  return { privateData, rest: body.subarray(inline) };
}

/**
 * Read the head of a hello from private data (which a CM may pad with
 * zeros: bytes past the body are ignored).
 * @throws ExchangeError `ERR_EXCHANGE_MALFORMED` for private data that is not a Connection's hello.
 * @throws ExchangeError `ERR_EXCHANGE_VERSION` for another layout version.
 */
export function decodeCmHelloHead(data: Uint8Array | null): CmHelloHead {
  if (data === null || data.length < CM_HELLO_HEAD_BYTES) throw malformed(`the peer's private data holds ${data?.length ?? 0} bytes, not a Connection's hello`);
  const p = Buffer.from(data.buffer, data.byteOffset, data.length);
  if (p.readUInt16BE(0) !== MAGIC) throw malformed("the peer's private data does not start with a Connection's hello");
  const version = p.readUInt8(2);
  if (version !== CM_HELLO_VERSION) throw new ExchangeError(ExchangeErrorCode.VERSION, `the peer's hello has layout version ${version}; this side speaks ${CM_HELLO_VERSION}`);
  const recvBytes = p.readUInt32BE(4);
  const bodyLength = p.readUInt32BE(8);
  if (recvBytes === 0) throw malformed("the peer's hello names receives of 0 bytes");
  const inline = new Uint8Array(p.subarray(CM_HELLO_HEAD_BYTES, CM_HELLO_HEAD_BYTES + Math.min(bodyLength, p.length - CM_HELLO_HEAD_BYTES)));
  return { recvBytes, bodyLength, inline };
}

/**
 * Decode a whole body (the inline bytes and the rest, joined).
 * @throws ExchangeError `ERR_EXCHANGE_MALFORMED` when it is short or a region is out of range.
 */
export function decodeCmHelloBody(recvBytes: number, body: Uint8Array): CmHello {
  const p = Buffer.from(body.buffer, body.byteOffset, body.length);
  const { regions, end } = decodeRegions(p, 0, 'hello');
  return { regions, recvBytes, payload: new Uint8Array(p.subarray(end)) };
}

function malformed(message: string): ExchangeError {
  return new ExchangeError(ExchangeErrorCode.MALFORMED, message);
}
