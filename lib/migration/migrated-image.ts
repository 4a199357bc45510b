import type { Connection } from '../connection/connection.js';
import { ClosedError } from '../errors/closed-error.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { MigrationError, MigrationPhase } from '../errors/migration-error.js';
import { describe } from '../validate/numbers.js';
import type { ControlChannel } from './control-channel.js';
import { MessageType } from './control-message.js';
import type { ImageLayout } from './image-layout.js';

/**
 * A migrated image on the target, after switchover. Most pages are in the
 * target's regions; deferred (shared) pages still live on the source.
 * `read()` serves a deferred page by RDMA READ from the source each time;
 * `write()` first copies each deferred page it touches into the target's
 * region (copy on write), after which the page is local. When no deferred
 * page is left (after writes, or `pullAll()`), the source is told it may
 * release them.
 *
 * Offsets count across the regions in order, as if they were one buffer.
 * Local pages can also be used directly in the regions; deferred ones must
 * go through `read()`/`write()` (JavaScript memory has no page-fault hook to
 * fetch them on first touch).
 */
export class MigratedImage {
  /** Bytes of the image. */
  readonly byteLength: number;
  /** The bytes `switchover` returned on the source (empty when none). */
  readonly switchoverPayload: Uint8Array;
  readonly #conn: Connection;
  readonly #channel: ControlChannel;
  readonly #layout: ImageLayout;
  readonly #sourceIndexes: readonly number[];
  /** 1 for each page still on the source. */
  readonly #deferred: Uint8Array;
  readonly #fetching = new Map<number, Promise<void>>();
  #deferredCount: number;
  #released: Promise<void> | null = null;
  #closed = false;

  /** @internal Built by `MigrationTarget.receive()`. */
  constructor(conn: Connection, channel: ControlChannel, layout: ImageLayout, sourceIndexes: readonly number[], deferred: Uint8Array, payload: Uint8Array) {
    this.#conn = conn;
    this.#channel = channel;
    this.#layout = layout;
    this.#sourceIndexes = sourceIndexes;
    this.#deferred = deferred;
    this.#deferredCount = deferred.reduce((n, d) => n + d, 0);
    this.byteLength = layout.byteLength;
    this.switchoverPayload = payload;
    if (this.#deferredCount === 0) this.#released = Promise.resolve();
  }

  /** Pages still on the source. */
  get deferredPages(): number { return this.#deferredCount; }

  /** True after `close()`. */
  get closed(): boolean { return this.#closed; }

  /** True when page `index` (of `pageSize` bytes, counted across the regions) is still on the source. */
  isDeferred(index: number): boolean { return this.#deferred[index] === 1; }

  /**
   * Read `length` bytes at `offset`, as a copy: local pages from the
   * target's regions, deferred ones by RDMA READ from the source (the
   * connection's `messageSize` must be at least a page).
   * @throws InvalidArgumentError for a range outside the image.
   * @throws ClosedError after `close()`; MigrationError (phase `'deferred'`) when a remote read fails.
   */
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.#assertOpen();
    this.#layout.pagesOf('read()', offset, length);
    const out = new Uint8Array(length);
    const remote: Promise<void>[] = [];
    this.#layout.forEachPiece(offset, length, (page, inPage, n, at) => {
      const local = this.#layout.offsetOf(page) + inPage;
      const region = this.#layout.regionOf(page);
      if (this.#deferred[page] === 0) {
        out.set(this.#layout.regions[region]!.buffer.subarray(local, local + n), at);
        return;
      }
      remote.push(this.#remote(this.#conn.read({ region: this.#sourceIndexes[region]!, offset: local }, n)).then((bytes) => out.set(bytes, at)));
    });
    await Promise.all(remote);
    return out;
  }

  /**
   * Write `data` at `offset`. Each deferred page it touches is first copied
   * from the source into the target's region (once, even for concurrent
   * writes), then the bytes are stored locally.
   * @throws InvalidArgumentError for data that is not a Uint8Array or a range outside the image.
   * @throws ClosedError after `close()`; MigrationError (phase `'deferred'`) when a copy fails.
   */
  async write(offset: number, data: Uint8Array): Promise<void> {
    this.#assertOpen();
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('data', `must be a Uint8Array, got ${describe(data)}`);
    const [first, end] = this.#layout.pagesOf('write()', offset, data.length);
    const copies: Promise<void>[] = [];
    for (let p = first; p < end; p++) if (this.#deferred[p] === 1) copies.push(this.#fetch(p));
    await Promise.all(copies);
    this.#assertOpen();
    this.#layout.forEachPiece(offset, data.length, (page, inPage, n, at) => {
      this.#layout.pageBytes(page).set(data.subarray(at, at + n), inPage);
    });
  }

  /**
   * Copy every deferred page from the source now, then tell the source it
   * may release them.
   * @throws ClosedError after `close()`; MigrationError (phase `'deferred'`) when a copy or the message fails.
   */
  async pullAll(): Promise<void> {
    this.#assertOpen();
    const copies: Promise<void>[] = [];
    for (let p = 0; p < this.#layout.pageCount; p++) if (this.#deferred[p] === 1) copies.push(this.#fetch(p));
    await Promise.all(copies);
    await (this.#released ?? Promise.resolve());
  }

  /** Stop serving reads and writes and stop reading the connection. Idempotent; the regions and the connection stay open. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#channel.stop();
  }

  /** Copy deferred page `page` into the target's region, once. */
  #fetch(page: number): Promise<void> {
    let pending = this.#fetching.get(page);
    if (pending) return pending;
    const region = this.#layout.regionOf(page);
    const at = this.#layout.offsetOf(page);
    const size = this.#layout.pageSize;
    pending = this.#remote(this.#conn.read({ region: this.#sourceIndexes[region]!, offset: at }, { mr: this.#layout.regions[region]!, offset: at, length: size }))
      .then(() => {
        this.#deferred[page] = 0;
        this.#deferredCount--;
        if (this.#deferredCount === 0) this.#released = this.#remote(this.#channel.send(MessageType.RELEASE));
      })
      .finally(() => this.#fetching.delete(page));
    this.#fetching.set(page, pending);
    return pending;
  }

  async #remote<T>(op: Promise<T>): Promise<T> {
    try {
      return await op;
    } catch (err) {
      throw new MigrationError(MigrationPhase.DEFERRED, err instanceof Error ? err.message : String(err), { cause: err });
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('MigratedImage');
  }
}
