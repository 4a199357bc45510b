import { statSync } from 'node:fs';
import type { NativeAddon } from '../../native/addon.js';
import type { CreatedMapping, MappingBacking } from './backing.js';
import { SHARED_FILE_PAGE, SharedFileError, SharedFileHeader } from './shared-file-header.js';

/** A region's name: `@<creator pid>-<first page, hex>`. */
const REGION_NAME = /^@(\d+)-([0-9a-f]{1,10})$/;

/**
 * The backing of `VRDMA_LOOPBACK_SHARED_FILE`: one file mapped shared by
 * every user (a file under /dev/shm on one host, the ivshmem BAR in each of
 * two VMs), carved into page-aligned regions claimed from its header.
 * Regions are not reused: when the file is full, allocations fall back to
 * private memory (and their requests to the socket).
 */
export class SharedFile implements MappingBacking {
  readonly #addon: NativeAddon;
  readonly #header: SharedFileHeader;
  /** The file, as this process names it. */
  readonly path: string;
  readonly hostKey: string;
  readonly acrossHosts = true;

  /**
   * Open `path` (of `bytes` bytes, or its size when not given), setting its
   * header up when the file is all zero.
   * @throws SharedFileError when its size is unknown or under two pages, or its header is not a loop0 one.
   * @throws VerbsError from `open` or `mmap`.
   */
  constructor(addon: NativeAddon, path: string, bytes?: number) {
    const size = bytes ?? sizeOf(path);
    if (!Number.isSafeInteger(size) || size < 2 * SHARED_FILE_PAGE) {
      throw new SharedFileError(path, `holds ${size} bytes; a shared file needs at least ${2 * SHARED_FILE_PAGE} (set VRDMA_LOOPBACK_SHARED_FILE_BYTES when its size cannot be read)`);
    }
    this.#addon = addon;
    this.path = path;
    this.#header = new SharedFileHeader(addon.fileMap(path, SHARED_FILE_PAGE, 0), size, path);
    this.hostKey = `file:${this.#header.id}`;
  }

  /** @throws VerbsError from `mmap`. */
  create(size: number): CreatedMapping | null {
    const first = this.#header.claim(Math.ceil(size / SHARED_FILE_PAGE));
    if (first === null) return null;
    const buffer = this.#addon.fileMap(this.path, size, first * SHARED_FILE_PAGE);
    new Uint8Array(buffer).fill(0);
    return { name: `@${process.pid}-${first.toString(16)}`, buffer };
  }

  /** @throws RangeError for a name that is not a region of this file; VerbsError from `mmap`. */
  open(name: string, size: number): ArrayBuffer {
    const m = REGION_NAME.exec(name);
    const first = m ? parseInt(m[2]!, 16) : 0;
    if (first < 1 || first + Math.ceil(size / SHARED_FILE_PAGE) > this.#header.pages) throw new RangeError(`${name} is not a region of ${this.path}`);
    return this.#addon.fileMap(this.path, size, first * SHARED_FILE_PAGE);
  }

  creatorOf(name: string): number {
    const m = REGION_NAME.exec(name);
    return m ? Number(m[1]) : 0;
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch (err) {
    throw new SharedFileError(path, `cannot read its size: ${(err as Error).message}`, { cause: err });
  }
}
