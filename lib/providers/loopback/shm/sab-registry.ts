/**
 * Ids for this thread's shared buffers (`SharedArrayBuffer`s and named
 * shared memory mappings), as peers know them. An id is given
 * the first time a buffer travels by reference; when the buffer is
 * collected here, `onCollected` tells the rings that shared it, so that
 * peers can forget it too. Staging buffers get negative, one-use ids.
 */
export class SabRegistry {
  readonly #ids = new WeakMap<ArrayBufferLike, number>();
  readonly #finalizer: FinalizationRegistry<number>;
  #next = 1;
  #nextStaged = -1;
  /** Called (on the event loop) with the id of a buffer this thread no longer holds. */
  onCollected: (id: number) => void = () => {};

  constructor() {
    this.#finalizer = new FinalizationRegistry((id: number) => this.onCollected(id));
  }

  /** The id of `sab`, given now if it has none. */
  idOf(sab: ArrayBufferLike): number {
    let id = this.#ids.get(sab);
    if (id === undefined) {
      id = this.#next++;
      this.#ids.set(sab, id);
      this.#finalizer.register(sab, id);
    }
    return id;
  }

  /** A fresh id for a one-use staging buffer (negative). */
  stagedId(): number {
    const id = this.#nextStaged;
    this.#nextStaged = id <= -0x7fff_ffff ? -1 : id - 1;
    return id;
  }
}
