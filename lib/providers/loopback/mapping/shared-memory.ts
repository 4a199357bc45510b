import { nativeAddon } from '../../native/provider.js';
import type { NativeAddon } from '../../native/addon.js';
import type { MappingBacking } from './backing.js';
import { shmHostKey } from './host-key.js';
import { SharedFile } from './shared-file.js';
import { ShmObjects } from './shm-objects.js';

/** A named mapping as peers are told of it: its object and the object's size. */
export interface MappingRef {
  readonly name: string;
  readonly size: number;
}

/** How many peer mappings a thread keeps open (the least recently used is let go first). */
const PEER_MAPPINGS_KEPT = 256;

/**
 * Memory that other processes can map by name: what `allocBuffer()` returns
 * on hub contexts of `loop0` when the native addon loads
 * (`VRDMA_LOOPBACK_SHM=0` turns it off). One per thread. Its memory comes
 * from POSIX shared memory objects (peers on this host), or from one shared
 * file when `VRDMA_LOOPBACK_SHARED_FILE` names one (peers anywhere that map
 * the same file, e.g. two VMs sharing an ivshmem device).
 */
export class SharedMemory {
  readonly #backing: MappingBacking;
  readonly #mine = new WeakMap<ArrayBufferLike, MappingRef>();
  readonly #peers = new Map<string, Uint8Array>();
  /** Identifies the memory this process can name (peers with the same key can map its mappings). */
  readonly hostKey: string;
  /** Whether peers reached over TCP may map it too (a shared file). */
  readonly acrossHosts: boolean;

  constructor(backing: MappingBacking) {
    this.#backing = backing;
    this.hostKey = backing.hostKey;
    this.acrossHosts = backing.acrossHosts;
  }

  /**
   * `size` zeroed bytes in a new mapping, or null when the backing has no
   * room for them (the caller falls back to private memory).
   * @throws VerbsError from `shm_open` or `mmap` for other failures.
   */
  allocate(size: number): Uint8Array | null {
    const made = this.#backing.create(size);
    if (made === null) return null;
    this.#mine.set(made.buffer, { name: made.name, size });
    return new Uint8Array(made.buffer);
  }

  /** The mapping `buffer` is, when this thread created it. */
  mappingOf(buffer: ArrayBufferLike): MappingRef | undefined {
    return this.#mine.get(buffer);
  }

  /**
   * Another process's (or thread's) mapping `name`, mapped (once per name
   * while it is among the latest used).
   * @throws VerbsError from `shm_open`/`open` (ENOENT: no such object; EINVAL: smaller than `size`) or `mmap`.
   * @throws RangeError for a name this library does not give.
   */
  map(name: string, size: number): Uint8Array {
    const known = this.#peers.get(name);
    if (known !== undefined && known.byteLength >= size) {
      this.#peers.delete(name);
      this.#peers.set(name, known);
      return known;
    }
    const bytes = new Uint8Array(this.#backing.open(name, size));
    this.#peers.set(name, bytes);
    if (this.#peers.size > PEER_MAPPINGS_KEPT) this.#peers.delete(this.#peers.keys().next().value!);
    return bytes;
  }

  /** Let go of the mappings of process `pid`'s objects (it went away). */
  forgetProcess(pid: number): void {
    for (const name of [...this.#peers.keys()]) if (this.#backing.creatorOf(name) === pid) this.#peers.delete(name);
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
  const native = nativeAddon();
  if (!('addon' in native) || typeof native.addon.shmCreate !== 'function') return instance;
  const file = process.env['VRDMA_LOOPBACK_SHARED_FILE'];
  if (file) {
    const backing = sharedFileBacking(native.addon, file);
    if (backing !== null) return (instance = new SharedMemory(backing));
  }
  const key = shmHostKey();
  if (key !== null) instance = new SharedMemory(new ShmObjects(native.addon, key));
  return instance;
}

/**
 * The shared file `path` (`VRDMA_LOOPBACK_SHARED_FILE`, of
 * `VRDMA_LOOPBACK_SHARED_FILE_BYTES` bytes when given), or null, with a
 * warning (code `VRDMA_SHARED_FILE`), when it cannot be used: this thread
 * then keeps the default backing. Never throws.
 */
function sharedFileBacking(addon: NativeAddon, path: string): SharedFile | null {
  const given = process.env['VRDMA_LOOPBACK_SHARED_FILE_BYTES'];
  try {
    return new SharedFile(addon, path, given ? Number(given) : undefined);
  } catch (err) {
    process.emitWarning(`loop0 does not use the shared file: ${err instanceof Error ? err.message : String(err)}`, { code: 'VRDMA_SHARED_FILE' });
    return null;
  }
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
