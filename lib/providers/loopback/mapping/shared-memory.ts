import { nativeAddon } from '../../native/provider.js';
import type { NativeAddon } from '../../native/addon.js';
import { VerbsError } from '../../../errors/verbs-error.js';
import { errnoValue } from '../../../errors/errno.js';
import { shmHostKey } from './host-key.js';
import { creatorOf, newMappingName } from './names.js';

/** A named mapping as peers are told of it: its object and the object's size. */
export interface MappingRef {
  readonly name: string;
  readonly size: number;
}

/** How many peer mappings a thread keeps open (the least recently used is let go first). */
const PEER_MAPPINGS_KEPT = 256;

/**
 * Memory that other processes on this host can map by name: what
 * `allocBuffer()` returns on hub contexts of `loop0` when the native addon
 * loads (`VRDMA_LOOPBACK_SHM=0` turns it off). One per thread.
 */
export class SharedMemory {
  readonly #addon: NativeAddon;
  readonly #mine = new WeakMap<ArrayBufferLike, MappingRef>();
  readonly #peers = new Map<string, Uint8Array>();
  /** Identifies the /dev/shm this process sees (peers with the same key can map its objects). */
  readonly hostKey: string;

  constructor(addon: NativeAddon, hostKey: string) {
    this.#addon = addon;
    this.hostKey = hostKey;
    process.once('exit', () => addon.shmUnlinkOwned());
  }

  /**
   * `size` zeroed bytes in a new shared memory object, or null when
   * /dev/shm has no room for them (the caller falls back to private memory).
   * @throws VerbsError from `shm_open` or `mmap` for other failures.
   */
  allocate(size: number): Uint8Array | null {
    const name = newMappingName();
    let buffer: ArrayBuffer;
    try {
      buffer = this.#addon.shmCreate(name, size);
    } catch (err) {
      if (err instanceof VerbsError && (err.errno === errnoValue('ENOSPC') || err.errno === errnoValue('ENOMEM'))) return null;
      throw err;
    }
    this.#mine.set(buffer, { name, size });
    return new Uint8Array(buffer);
  }

  /** The object `buffer` is a mapping of, when this thread created it. */
  mappingOf(buffer: ArrayBufferLike): MappingRef | undefined {
    return this.#mine.get(buffer);
  }

  /**
   * Another process's (or thread's) object `name`, mapped (once per name
   * while it is among the latest used).
   * @throws VerbsError from `shm_open` (ENOENT: no such object; EINVAL: smaller than `size`) or `mmap`.
   * @throws RangeError for a name this library does not give.
   */
  map(name: string, size: number): Uint8Array {
    const known = this.#peers.get(name);
    if (known !== undefined && known.byteLength >= size) {
      this.#peers.delete(name);
      this.#peers.set(name, known);
      return known;
    }
    if (creatorOf(name) === 0) throw new RangeError(`${name} is not the name of a loop0 shared memory object of this user`);
    const bytes = new Uint8Array(this.#addon.shmMap(name, size));
    this.#peers.set(name, bytes);
    if (this.#peers.size > PEER_MAPPINGS_KEPT) this.#peers.delete(this.#peers.keys().next().value!);
    return bytes;
  }

  /** Let go of the mappings of process `pid`'s objects (it went away). */
  forgetProcess(pid: number): void {
    for (const name of [...this.#peers.keys()]) if (creatorOf(name) === pid) this.#peers.delete(name);
  }
}

let instance: SharedMemory | null | undefined;

/**
 * This thread's shared memory, or null when there is none: not Linux, the
 * addon does not load, or `VRDMA_LOOPBACK_SHM=0`. Never throws.
 */
export function sharedMemory(): SharedMemory | null {
  if (instance !== undefined) return instance;
  instance = null;
  if (process.platform !== 'linux' || process.env['VRDMA_LOOPBACK_SHM'] === '0') return instance;
  const key = shmHostKey();
  if (key === null) return instance;
  const native = nativeAddon();
  if ('addon' in native && typeof native.addon.shmCreate === 'function') instance = new SharedMemory(native.addon, key);
  return instance;
}

/** Whether `buffer` is a named mapping this thread created (never loads the addon). */
export function isMapping(buffer: ArrayBufferLike): boolean {
  return instance?.mappingOf(buffer) !== undefined;
}

/**
 * `size` zeroed bytes that other processes of this host can map: a named
 * mapping when this thread has shared memory (see `sharedMemory`) and
 * /dev/shm has room, else a `SharedArrayBuffer`.
 * @throws VerbsError when the shared memory object cannot be created or mapped (other than for lack of room).
 */
export function allocateShared(size: number): Uint8Array {
  return sharedMemory()?.allocate(size) ?? new Uint8Array(new SharedArrayBuffer(size));
}
