import { markAsUntransferable } from 'node:worker_threads';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { describe } from './numbers.js';

/** What `registerMemory` accepts. */
export type RegistrableMemory = ArrayBuffer | SharedArrayBuffer | ArrayBufferView;

const USE_INSTEAD = 'use a fixed-length ArrayBuffer, Buffer.alloc(), a SharedArrayBuffer or context.allocBuffer()';

/**
 * The bytes to register, under the memory rule: the memory must stay where
 * it is for as long as the region lives. A `SharedArrayBuffer` cannot be
 * detached and never shrinks; a fixed-length `ArrayBuffer` is marked
 * untransferable here (Node's `markAsUntransferable`), so `postMessage` and
 * `structuredClone` copy it (Node 20) or refuse (Node 21 and later) instead
 * of detaching it; a resizable `ArrayBuffer` could shrink under the device
 * and is refused.
 * @throws InvalidArgumentError for a non-buffer, an empty or detached buffer,
 *   a resizable `ArrayBuffer`, or a slice of Node's shared `Buffer` pool.
 */
export function registrableBytes(buffer: RegistrableMemory): Uint8Array {
  let backing: ArrayBufferLike;
  let offset = 0;
  let length: number;
  if (buffer instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer)) {
    backing = buffer;
    length = buffer.byteLength;
  } else if (ArrayBuffer.isView(buffer)) {
    if (Buffer.isBuffer(buffer) && buffer.byteLength < Buffer.poolSize && buffer.buffer.byteLength === Buffer.poolSize && !(buffer.buffer instanceof SharedArrayBuffer)) {
      throw new InvalidArgumentError('buffer', 'is a slice of Node\'s shared Buffer pool (other Buffers live in the same memory); use Buffer.alloc(), new Uint8Array() or context.allocBuffer() instead');
    }
    backing = buffer.buffer;
    offset = buffer.byteOffset;
    length = buffer.byteLength;
  } else {
    throw new InvalidArgumentError('buffer', `must be an ArrayBuffer, SharedArrayBuffer, Buffer or typed array, got ${describe(buffer)}`);
  }
  const shared = typeof SharedArrayBuffer !== 'undefined' && backing instanceof SharedArrayBuffer;
  if (!shared && (backing as { resizable?: boolean }).resizable === true) {
    throw new InvalidArgumentError('buffer', `is a resizable ArrayBuffer, which could shrink under the device; ${USE_INSTEAD}`);
  }
  if (length === 0) {
    throw new InvalidArgumentError('buffer', isDetached(backing)
      ? `is detached (its memory was transferred away); ${USE_INSTEAD}`
      : 'is empty: a memory region needs at least 1 byte');
  }
  if (!shared) markAsUntransferable(backing);
  // An explicit length: a view of a growable SharedArrayBuffer must not track its growth.
  return new Uint8Array(backing, offset, length);
}

/** True for an `ArrayBuffer` that was detached (Node 20 has no `detached` property). */
function isDetached(buffer: ArrayBufferLike): boolean {
  const flag = (buffer as { detached?: boolean }).detached;
  if (typeof flag === 'boolean') return flag;
  try {
    void new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}
