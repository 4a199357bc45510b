import type { Connection } from '../connection/connection.js';
import { RdmaError } from '../errors/rdma-error.js';
import { WaiterQueue } from '../connection/waiter-queue.js';
import {
  HEADER_BYTES, MessageType, decodeMessage, encodeMessage, messageName, protocolError, type ControlMessage,
} from './control-message.js';

/**
 * The control messages of a migration over a `Connection`'s SEND/RECV.
 * A background reader takes every message as it arrives; an ABORT from
 * the peer, or the connection ending, fails the current and every later
 * `next()` and calls `onFailure` at once (so a side busy copying learns
 * it without waiting to read).
 */
export class ControlChannel {
  readonly #conn: Connection;
  readonly #queue: ControlMessage[] = [];
  readonly #waiters = new WaiterQueue<ControlMessage>();
  readonly #onFailure: (err: Error) => void;
  #failure: Error | null = null;
  #stopped = false;

  constructor(conn: Connection, onFailure: (err: Error) => void) {
    this.#conn = conn;
    this.#onFailure = onFailure;
    void this.#read();
  }

  /** Largest words-plus-tail a message to the peer may carry. */
  get room(): number { return this.#conn.peerMessageSize - HEADER_BYTES; }

  /** Send one message. @throws what `Connection.send()` throws. */
  async send(type: MessageType, words: ArrayLike<number> = [], tail?: Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.#conn.send(encodeMessage(type, words, tail), { signal });
  }

  /**
   * The next message, which must be of one of `types`.
   * @throws RdmaError `ERR_MIGRATION_PROTOCOL` for another type; the peer's ABORT or the connection's end as an error; AbortedError.
   */
  async next(types: readonly MessageType[], signal?: AbortSignal): Promise<ControlMessage> {
    const queued = this.#queue.shift();
    let msg: ControlMessage;
    if (queued) msg = queued;
    else if (this.#failure) throw this.#failure;
    else msg = await this.#waiters.wait('the next migration message', signal);
    if (!types.includes(msg.type)) throw protocolError(`expected ${types.map(messageName).join(' or ')}, got ${messageName(msg.type)}`);
    return msg;
  }

  /** Stop reading (the reader ends with the connection; messages after this are dropped). */
  stop(): void {
    this.#stopped = true;
  }

  async #read(): Promise<void> {
    for (;;) {
      let msg: ControlMessage;
      try {
        msg = decodeMessage(await this.#conn.recv());
      } catch (err) {
        this.#fail(err instanceof Error ? err : new RdmaError('ERR_PEER_GONE', String(err)));
        return;
      }
      if (this.#stopped) continue;
      if (msg.type === MessageType.ABORT) {
        this.#fail(new RdmaError('ERR_MIGRATION_PEER_ABORTED', `the peer gave up: ${new TextDecoder().decode(msg.tail)}`));
        return;
      }
      if (this.#waiters.length > 0) this.#waiters.give(msg);
      else this.#queue.push(msg);
    }
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    this.#waiters.failAll(err);
    if (!this.#stopped) this.#onFailure(err);
  }
}
