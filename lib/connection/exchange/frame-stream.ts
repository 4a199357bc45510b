import type { Socket } from 'node:net';
import { ExchangeError, ExchangeErrorCode } from '../../errors/exchange-error.js';
import { AbortedError } from '../../errors/aborted-error.js';
import {
  EXCHANGE_MAGIC, EXCHANGE_VERSION, HEADER_BYTES, encodeFrame, frameTypeName, isFrameType,
  type Frame, type FrameTypeValue,
} from './wire.js';

const MAGIC_BYTES = Buffer.alloc(4);
MAGIC_BYTES.writeUInt32BE(EXCHANGE_MAGIC, 0);

interface Waiter {
  resolve(frame: Frame): void;
  reject(err: Error): void;
}

/**
 * Exchange frames over one stream socket (TCP or Unix). Reading checks each
 * header as soon as its bytes arrive: a wrong magic, another version, an
 * unknown type or a payload over `maxFrameBytes` fails the stream at once
 * (the socket is destroyed and every later read rejects with the same error).
 */
export class FrameStream {
  readonly #socket: Socket;
  readonly #maxFrameBytes: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  readonly #frames: Frame[] = [];
  #waiter: Waiter | null = null;
  #failure: ExchangeError | null = null;
  readonly #closeListeners: Array<(err: ExchangeError) => void> = [];

  constructor(socket: Socket, maxFrameBytes: number) {
    this.#socket = socket;
    this.#maxFrameBytes = maxFrameBytes;
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#fail(new ExchangeError(ExchangeErrorCode.CLOSED, `the exchange connection failed: ${err.message}`, { cause: err })));
    socket.on('close', () => {
      if (this.#pendingBytes > 0) {
        this.#fail(new ExchangeError(ExchangeErrorCode.TRUNCATED, `the peer closed the exchange in the middle of a frame (${this.#pendingBytes} bytes of it arrived)`));
      } else {
        this.#fail(new ExchangeError(ExchangeErrorCode.CLOSED, 'the peer closed the exchange connection'));
      }
    });
  }

  /** The underlying socket. */
  get socket(): Socket { return this.#socket; }

  /** The error that ended the stream, or null while it is open. */
  get failure(): ExchangeError | null { return this.#failure; }

  /** Call `listener` once when the stream ends for any reason (at once if it has). */
  onClose(listener: (err: ExchangeError) => void): void {
    if (this.#failure) listener(this.#failure);
    else this.#closeListeners.push(listener);
  }

  /** Write one frame; a no-op once the stream has ended. */
  send(type: FrameTypeValue, payload?: Uint8Array): void {
    if (this.#failure || this.#socket.destroyed) return;
    this.#socket.write(encodeFrame(type, payload));
  }

  /**
   * The next frame, waiting at most `timeoutMs` (null: as long as it takes).
   * @param step - what is awaited, for the timeout's message (e.g. `"the peer's HELLO"`).
   * @throws ExchangeError on timeout (`ERR_EXCHANGE_TIMEOUT`, which also ends the stream) or when the stream has failed.
   * @throws AbortedError when `signal` fires.
   */
  next(step: string, timeoutMs: number | null, signal?: AbortSignal): Promise<Frame> {
    const ready = this.#frames.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#waiter) return Promise.reject(new Error('FrameStream.next() called while another read is pending'));
    return new Promise<Frame>((resolve, reject) => {
      const done = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiter = null;
      };
      const onAbort = (): void => {
        done();
        const err = new AbortedError(`waiting for ${step}`, signal?.reason);
        this.#socket.destroy();
        reject(err);
      };
      const timer = timeoutMs === null ? null : setTimeout(() => {
        done();
        this.#fail(new ExchangeError(ExchangeErrorCode.TIMEOUT, `no answer from the peer: ${step} did not come within ${timeoutMs} ms`));
        reject(this.#failure!);
      }, timeoutMs);
      if (signal?.aborted) { onAbort(); return; }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiter = {
        resolve: (f) => { done(); resolve(f); },
        reject: (e) => { done(); reject(e); },
      };
    });
  }

  /** Finish writing and close gently (the peer reads what was sent). */
  end(): void {
    if (!this.#socket.destroyed) this.#socket.end();
  }

  /** Close at once. */
  destroy(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#failure) return;
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    let buf = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    let at = 0;
    for (;;) {
      const left = buf.length - at;
      const err = this.#checkHeader(buf, at, left);
      if (err) { this.#fail(err); return; }
      if (left < HEADER_BYTES) break;
      const length = buf.readUInt32BE(at + 8);
      if (left < HEADER_BYTES + length) break;
      const type = buf.readUInt8(at + 5) as FrameTypeValue;
      this.#deliver({ type, payload: Buffer.from(buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length)) });
      at += HEADER_BYTES + length;
    }
    buf = buf.subarray(at);
    this.#pending = buf.length > 0 ? [buf] : [];
    this.#pendingBytes = buf.length;
  }

  /** Check as much of the header at `at` as has arrived. */
  #checkHeader(buf: Buffer, at: number, left: number): ExchangeError | null {
    const magicSeen = Math.min(left, 4);
    if (buf.compare(MAGIC_BYTES, 0, magicSeen, at, at + magicSeen) !== 0) {
      return new ExchangeError(ExchangeErrorCode.MALFORMED, `the peer sent bytes that are not an exchange frame (no "VRDX" magic): ${buf.subarray(at, at + Math.min(left, 16)).toString('hex')}`);
    }
    if (left < 5) return null;
    const version = buf.readUInt8(at + 4);
    if (version !== EXCHANGE_VERSION) {
      return new ExchangeError(ExchangeErrorCode.VERSION, `the peer speaks exchange version ${version}; this library speaks version ${EXCHANGE_VERSION} only`);
    }
    if (left < 6) return null;
    const type = buf.readUInt8(at + 5);
    if (!isFrameType(type)) return new ExchangeError(ExchangeErrorCode.MALFORMED, `the peer sent an unknown frame type ${type}`);
    if (left < HEADER_BYTES) return null;
    if (buf.readUInt16BE(at + 6) !== 0) return new ExchangeError(ExchangeErrorCode.MALFORMED, `the reserved header bytes of a ${frameTypeName(type)} frame are not zero`);
    const length = buf.readUInt32BE(at + 8);
    if (length > this.#maxFrameBytes) {
      return new ExchangeError(ExchangeErrorCode.OVERSIZED, `the peer announced a ${frameTypeName(type)} frame of ${length} bytes; the limit is ${this.#maxFrameBytes}`);
    }
    return null;
  }

  #deliver(frame: Frame): void {
    const w = this.#waiter;
    if (w) w.resolve(frame);
    else this.#frames.push(frame);
  }

  #fail(err: ExchangeError): void {
    if (this.#failure) return;
    this.#failure = err;
    this.#socket.destroy();
    this.#waiter?.reject(err);
    for (const l of this.#closeListeners.splice(0)) l(err);
  }
}
