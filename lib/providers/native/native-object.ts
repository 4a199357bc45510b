/** An addon object: something with a `close()` that may throw. */
export interface RawClosable {
  close(): void;
}

/**
 * The part every native provider object shares: the addon object it wraps
 * and a close that runs once and never throws (the addon refuses nothing on
 * close, but a finalizer-time or double close must not surface).
 */
export abstract class NativeObject<R extends RawClosable> {
  /** @internal The addon object. */
  readonly raw: R;
  #closed = false;

  protected constructor(raw: R) {
    this.raw = raw;
  }

  /** True after `close()`. */
  get closed(): boolean { return this.#closed; }

  /** Close the addon object once. Idempotent; never throws. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onClose();
    try {
      this.raw.close();
    } catch {
      // closing never throws
    }
  }

  /** Runs once, before the addon object closes; must not throw. */
  protected onClose(): void {}
}
