/** A new mapping and the name peers open it by. */
export interface CreatedMapping {
  readonly name: string;
  readonly buffer: ArrayBuffer;
}

/**
 * Where the memory of `SharedMemory` comes from: POSIX shared memory
 * objects (one per allocation, the default) or regions of one mapped shared
 * file (`VRDMA_LOOPBACK_SHARED_FILE`).
 */
export interface MappingBacking {
  /** Peers announcing the same key can open this backing's names. */
  readonly hostKey: string;
  /** Whether peers reached over TCP (other hosts, other VMs) may share it. */
  readonly acrossHosts: boolean;
  /**
   * `size` zeroed bytes, or null when the backing has no room for them.
   * @throws VerbsError for failures other than lack of room.
   */
  create(size: number): CreatedMapping | null;
  /**
   * The first `size` bytes of the mapping named `name` (a peer's), mapped here.
   * @throws VerbsError when it cannot be mapped; RangeError for a name this backing does not give.
   */
  open(name: string, size: number): ArrayBuffer;
  /** The process that created `name` (0 when `name` is not one of this backing's names). */
  creatorOf(name: string): number;
}
