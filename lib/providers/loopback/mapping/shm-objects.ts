import type { NativeAddon } from '../../native/addon.js';
import { VerbsError } from '../../../errors/verbs-error.js';
import { errnoValue } from '../../../errors/errno.js';
import type { CreatedMapping, MappingBacking } from './backing.js';
import { creatorOf, newMappingName } from './names.js';

/**
 * The default backing: one POSIX shared memory object per allocation, named
 * after this process, unlinked when its buffer is collected or the process exits.
 */
export class ShmObjects implements MappingBacking {
  readonly #addon: NativeAddon;
  readonly hostKey: string;
  readonly acrossHosts = false;

  constructor(addon: NativeAddon, hostKey: string) {
    this.#addon = addon;
    this.hostKey = hostKey;
    process.once('exit', () => addon.shmUnlinkOwned());
  }

  /** @throws VerbsError from `shm_open` or `mmap` (lack of room in /dev/shm gives null). */
  create(size: number): CreatedMapping | null {
    const name = newMappingName();
    try {
      return { name, buffer: this.#addon.shmCreate(name, size) };
    } catch (err) {
      if (err instanceof VerbsError && (err.errno === errnoValue('ENOSPC') || err.errno === errnoValue('ENOMEM'))) return null;
      throw err;
    }
  }

  /** @throws VerbsError from `shm_open` or `mmap`; RangeError for a name this library does not give. */
  open(name: string, size: number): ArrayBuffer {
    if (creatorOf(name) === 0) throw new RangeError(`${name} is not the name of a loop0 shared memory object of this user`);
    return this.#addon.shmMap(name, size);
  }

  creatorOf(name: string): number {
    return creatorOf(name);
  }
}
