import { describe, expect, it } from 'vitest';
import { ExchangeError } from '../../lib/index.js';
import { CM_HELLO_HEAD_BYTES, decodeCmHelloBody, decodeCmHelloHead, encodeCmHello } from '../../lib/connection/cm/cm-hello.js';

const region = { addr: '140737488355328', length: 4096, rkey: 0x1234 };

/** Encode for `limit` bytes, pad the private data to `limit` as a CM may, and decode it with its rest. */
function roundTrip(payload: Uint8Array, limit: number): { rest: number; decoded: ReturnType<typeof decodeCmHelloBody> } {
  const { privateData, rest } = encodeCmHello({ regions: [region], recvBytes: 65536, payload }, limit);
  expect(privateData.length).toBeLessThanOrEqual(limit);
  const padded = new Uint8Array(limit);
  padded.set(privateData);
  const head = decodeCmHelloHead(padded);
  expect(head.recvBytes).toBe(65536);
  const body = new Uint8Array(head.bodyLength);
  body.set(head.inline);
  body.set(rest, head.inline.length);
  return { rest: rest.length, decoded: decodeCmHelloBody(head.recvBytes, body) };
}

describe("a Connection's hello in CM private data", () => {
  it('fits whole when small, even padded with zeros', () => {
    const { rest, decoded } = roundTrip(new Uint8Array([1, 2, 3]), 56);
    expect(rest).toBe(0);
    expect(decoded.regions).toEqual([region]);
    expect(Array.from(decoded.payload)).toEqual([1, 2, 3]);
  });

  it('leaves what does not fit for the first SENDs, and the two join to the same hello', () => {
    const payload = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const { rest, decoded } = roundTrip(payload, 56);
    expect(rest).toBe(2 + 20 + 300 - (56 - CM_HELLO_HEAD_BYTES));
    expect(Buffer.from(decoded.payload).equals(Buffer.from(payload))).toBe(true);
    expect(roundTrip(payload, 196).rest).toBe(2 + 20 + 300 - (196 - CM_HELLO_HEAD_BYTES));
  });

  it('refuses private data that is not a hello: ERR_EXCHANGE_MALFORMED, another version ERR_EXCHANGE_VERSION', () => {
    const code = (data: Uint8Array | null): string => {
      try {
        decodeCmHelloHead(data);
      } catch (err) {
        expect(err).toBeInstanceOf(ExchangeError);
        return (err as ExchangeError).code;
      }
      return 'none';
    };
    expect(code(null)).toBe('ERR_EXCHANGE_MALFORMED');
    expect(code(new Uint8Array(5))).toBe('ERR_EXCHANGE_MALFORMED');
    expect(code(new TextEncoder().encode('not a hello at all'))).toBe('ERR_EXCHANGE_MALFORMED');
    const { privateData } = encodeCmHello({ regions: [], recvBytes: 8, payload: new Uint8Array(0) }, 56);
    const other = Uint8Array.from(privateData);
    other[2] = 2;
    expect(code(other)).toBe('ERR_EXCHANGE_VERSION');
    const zeroRecv = Uint8Array.from(privateData);
    zeroRecv.fill(0, 4, 8);
    expect(code(zeroRecv)).toBe('ERR_EXCHANGE_MALFORMED');
    expect(() => decodeCmHelloBody(8, new Uint8Array([0, 2, 0]))).toThrow(/ends inside the regions/);
  });
});
