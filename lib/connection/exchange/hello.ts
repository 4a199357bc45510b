import type { Endpoint, RemoteMemory } from '../../types/endpoint.js';
import { decodeRegions, encodeRegions, regionsBytes } from './regions-wire.js';
import { ENDPOINT_VERSION } from '../../types/endpoint.js';
import { ProviderName } from '../../constants/provider-name.js';
import { ExchangeError, ExchangeErrorCode } from '../../errors/exchange-error.js';
import { checkEndpoint } from '../../validate/endpoint.js';
import { InvalidArgumentError } from '../../errors/invalid-argument-error.js';

/**
 * What a HELLO frame carries: one side's QP endpoint, the regions it lets
 * the peer access, the size of its receive buffers and the application's
 * own bytes.
 */
export interface Hello {
  readonly endpoint: Endpoint;
  readonly regions: readonly RemoteMemory[];
  /** Largest message the sender's posted receives take (0: it posts none). */
  readonly recvBytes: number;
  readonly payload: Uint8Array;
}

/** Provider codes in a HELLO's first byte. */
const PROVIDER_CODES: Readonly<Record<string, number>> = { [ProviderName.NATIVE]: 1, [ProviderName.LOOPBACK]: 2 };
const PROVIDERS_BY_CODE = new Map<number, string>(Object.entries(PROVIDER_CODES).map(([k, v]) => [v, k]));

const FLAG_QKEY = 1;

/**
 * Encode a HELLO payload (layout in docs/connections.md).
 * @throws InvalidArgumentError when a field does not fit its slot.
 */
export function encodeHello(h: Hello): Buffer {
  const ep = h.endpoint;
  const gid = Buffer.from(ep.gid, 'ascii');
  if (gid.length > 255) throw new InvalidArgumentError('endpoint.gid', 'longer than 255 characters');
  if (h.regions.length > 0xffff) throw new InvalidArgumentError('regions', 'at most 65535 regions');
  const size = 22 + gid.length + 4 + regionsBytes(h.regions.length) + 4 + h.payload.length;
  const out = Buffer.alloc(size);
  out.writeUInt8(PROVIDER_CODES[ep.provider] ?? 0, 0);
  out.writeUInt8(ep.qpType, 1);
  out.writeUInt8(ep.mtu, 2);
  out.writeUInt8(ep.port, 3);
  out.writeUInt16BE(ep.lid, 4);
  out.writeUInt16BE(ep.gidIndex, 6);
  out.writeUInt32BE(ep.qpn, 8);
  out.writeUInt32BE(ep.psn, 12);
  out.writeUInt32BE(ep.qkey ?? 0, 16);
  out.writeUInt8(ep.qkey === undefined ? 0 : FLAG_QKEY, 20);
  out.writeUInt8(gid.length, 21);
  let at = 22;
  out.set(gid, at); at += gid.length;
  out.writeUInt32BE(h.recvBytes, at); at += 4;
  at = encodeRegions(out, at, h.regions);
  out.writeUInt32BE(h.payload.length, at); at += 4;
  out.set(h.payload, at);
  return out;
}

/**
 * Decode a HELLO payload. Bytes after the last known field are ignored
 * (room for additions within a version).
 * @throws ExchangeError `ERR_EXCHANGE_MALFORMED` when the payload is short or a field is out of range.
 */
export function decodeHello(p: Buffer): Hello {
  const need = (at: number, n: number, what: string): void => {
    if (at + n > p.length) throw malformed(`HELLO ends inside ${what} (byte ${at}, payload of ${p.length} bytes)`);
  };
  need(0, 22, 'the endpoint');
  const provider = PROVIDERS_BY_CODE.get(p.readUInt8(0));
  if (provider === undefined) throw malformed(`HELLO names provider code ${p.readUInt8(0)}`);
  const gidLength = p.readUInt8(21);
  need(22, gidLength, 'the GID');
  const flags = p.readUInt8(20);
  const raw: Record<string, unknown> = {
    v: ENDPOINT_VERSION, provider, qpType: p.readUInt8(1), mtu: p.readUInt8(2), port: p.readUInt8(3),
    lid: p.readUInt16BE(4), gidIndex: p.readUInt16BE(6), qpn: p.readUInt32BE(8), psn: p.readUInt32BE(12),
    gid: p.toString('ascii', 22, 22 + gidLength),
  };
  if (flags & FLAG_QKEY) raw['qkey'] = p.readUInt32BE(16);
  let endpoint: Endpoint;
  try {
    endpoint = checkEndpoint('HELLO', 'endpoint', raw);
  } catch (err) {
    throw malformed(`HELLO carries a bad endpoint: ${(err as Error).message}`, err);
  }
  let at = 22 + gidLength;
  need(at, 6, 'the receive size and region count');
  const recvBytes = p.readUInt32BE(at); at += 4;
  const decoded = decodeRegions(p, at, 'HELLO');
  const regions = decoded.regions;
  at = decoded.end;
  need(at, 4, 'the payload length');
  const payloadLength = p.readUInt32BE(at); at += 4;
  need(at, payloadLength, 'the application payload');
  return { endpoint, regions, recvBytes, payload: new Uint8Array(p.subarray(at, at + payloadLength)) };
}

function malformed(message: string, cause?: unknown): ExchangeError {
  return new ExchangeError(ExchangeErrorCode.MALFORMED, message, cause === undefined ? undefined : { cause });
}
