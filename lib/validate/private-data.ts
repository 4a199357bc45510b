import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { describe } from './numbers.js';

/**
 * Check private data for a CM message: a `Uint8Array` (a `Buffer` is one)
 * or an `ArrayBuffer` of at most `limit` bytes, copied so later changes by
 * the caller do not travel. `undefined` and empty data give null.
 * @throws InvalidArgumentError for another type or more than `limit` bytes.
 */
export function checkPrivateData(name: string, value: unknown, limit: number): Uint8Array | null {
  if (value === undefined || value === null) return null;
  let bytes: Uint8Array;
  if (value instanceof Uint8Array) bytes = value;
  else if (value instanceof ArrayBuffer) bytes = new Uint8Array(value);
  else throw new InvalidArgumentError(name, `must be a Uint8Array, a Buffer or an ArrayBuffer, got ${describe(value)}`);
  if (bytes.byteLength > limit) {
    throw new InvalidArgumentError(name, `is ${bytes.byteLength} bytes; this CM message carries at most ${limit} bytes of private data`);
  }
  return bytes.byteLength === 0 ? null : Uint8Array.from(bytes);
}
