import { randomBytes } from 'node:crypto';
import { RdmaError } from '../../../errors/rdma-error.js';

/**
 * The first page of a shared file: 32-bit words, little-endian, accessed
 * with atomics so that processes in different VMs (mapping the same memory
 * through ivshmem) agree on it.
 *
 * | word | meaning |
 * |------|---------|
 * | 0 | state: 0 fresh, `INITIALIZING` while the first process writes the rest, `SHARED_FILE_MAGIC` once ready |
 * | 1 | layout version (`SHARED_FILE_VERSION`) |
 * | 2-5 | the file's id: 16 random bytes, the host key of its users |
 * | 6 | usable pages (the file's size when it was set up, divided by `SHARED_FILE_PAGE`) |
 * | 7 | the next free page: regions are carved upwards from page 1, never reused |
 */
export const SHARED_FILE_MAGIC = 0x46444d56; // "VMDF" read as little-endian bytes
/** The header layout this code writes and reads. */
export const SHARED_FILE_VERSION = 1;
/** The unit of regions (and their offsets in the file). */
export const SHARED_FILE_PAGE = 4096;

const INITIALIZING = 1;
const W_STATE = 0;
const W_VERSION = 1;
const W_ID = 2;
const W_PAGES = 6;
const W_NEXT = 7;
/** How long to wait for another process to finish setting the header up. */
const SETUP_WAIT_MS = 2000;

/** What a shared file's header failed on. `code` is `"ERR_SHARED_FILE"`. */
export class SharedFileError extends RdmaError {
  /** The file. */
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('ERR_SHARED_FILE', `${path}: ${message}`, options);
    this.name = 'SharedFileError';
    this.path = path;
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The header of a shared file, mapped. */
export class SharedFileHeader {
  readonly #words: Int32Array;
  /** The file's id as hex (32 digits). */
  readonly id: string;
  /** Pages regions may use (page 0 is this header). */
  readonly pages: number;

  /**
   * Read the header in `page` (the file's first page, mapped), setting it
   * up first when the file is fresh (all zero) and `bytes` is its size.
   * @throws SharedFileError for a header that is not one of ours, of another version, or larger than `bytes`.
   */
  constructor(page: ArrayBuffer, bytes: number, path: string) {
    const words = new Int32Array(page, 0, 8);
    this.#words = words;
    const pages = Math.floor(bytes / SHARED_FILE_PAGE);
    if (Atomics.compareExchange(words, W_STATE, 0, INITIALIZING) === 0) {
      const id = randomBytes(16);
      for (let i = 0; i < 4; i++) Atomics.store(words, W_ID + i, id.readInt32LE(i * 4));
      Atomics.store(words, W_VERSION, SHARED_FILE_VERSION);
      Atomics.store(words, W_PAGES, pages);
      Atomics.store(words, W_NEXT, 1);
      Atomics.store(words, W_STATE, SHARED_FILE_MAGIC);
    }
    const deadline = Date.now() + SETUP_WAIT_MS;
    while (Atomics.load(words, W_STATE) === INITIALIZING) {
      if (Date.now() > deadline) throw new SharedFileError(path, 'its header is still being set up (a process died doing so? remove or zero the file)');
      sleepMs(1);
    }
    const state = Atomics.load(words, W_STATE);
    if (state !== SHARED_FILE_MAGIC) throw new SharedFileError(path, `not a loop0 shared file (first word 0x${(state >>> 0).toString(16)}; zero the file to reuse it)`);
    const version = Atomics.load(words, W_VERSION);
    if (version !== SHARED_FILE_VERSION) throw new SharedFileError(path, `header version ${version}, this library reads version ${SHARED_FILE_VERSION}`);
    this.pages = Atomics.load(words, W_PAGES);
    if (this.pages < 2 || this.pages > pages) throw new SharedFileError(path, `header counts ${this.pages} pages, the file here holds ${pages}`);
    const id = Buffer.alloc(16);
    for (let i = 0; i < 4; i++) id.writeInt32LE(Atomics.load(words, W_ID + i), i * 4);
    this.id = id.toString('hex');
  }

  /** Claim `count` pages; their first page number, or null when the file has too few left. */
  claim(count: number): number | null {
    for (;;) {
      const next = Atomics.load(this.#words, W_NEXT);
      if (next < 1 || next + count > this.pages) return null;
      if (Atomics.compareExchange(this.#words, W_NEXT, next, next + count) === next) return next;
    }
  }
}
