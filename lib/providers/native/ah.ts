import type { AhBackend } from '../../provider/spi.js';
import type { NativeAhObject } from './addon.js';

/** A native address handle (UD); packed sends name it by `id`. */
export class NativeAh implements AhBackend {
  readonly id: number;
  readonly #raw: NativeAhObject;
  #closed = false;

  constructor(raw: NativeAhObject) {
    this.#raw = raw;
    this.id = raw.id;
  }

  /** `ibv_destroy_ah`. Idempotent; never throws. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#raw.close();
    } catch {
      // closing never throws
    }
  }
}
