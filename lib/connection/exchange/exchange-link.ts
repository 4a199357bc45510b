import { ExchangeError, ExchangeErrorCode } from '../../errors/exchange-error.js';
import type { RdmaError } from '../../errors/rdma-error.js';
import type { EstablishingLink, LinkGone } from '../link.js';
import { FrameStream } from './frame-stream.js';
import { decodeHello, encodeHello, type Hello } from './hello.js';
import { FrameType, frameTypeName, type Frame, type FrameTypeValue } from './wire.js';

/**
 * A `Link` over the out-of-band exchange: HELLO both ways, the caller
 * connects its QP, READY both ways; later DONE (or ABORT, or the stream
 * ending) says the peer is gone.
 */
export class ExchangeLink implements EstablishingLink {
  readonly #stream: FrameStream;
  #finishing = false;

  constructor(stream: FrameStream) {
    this.#stream = stream;
  }

  async establish(local: Hello, bringUp: (peer: Hello) => Promise<void>, timeoutMs: number, signal?: AbortSignal): Promise<Hello> {
    try {
      this.#stream.send(FrameType.HELLO, encodeHello(local));
      const peer = decodeHello((await this.#expect(FrameType.HELLO, "the peer's HELLO", timeoutMs, signal)).payload);
      await bringUp(peer);
      this.#stream.send(FrameType.READY);
      await this.#expect(FrameType.READY, "the peer's READY", timeoutMs, signal);
      return peer;
    } catch (err) {
      this.abort((err as Error).message);
      throw err;
    }
  }

  watch(onGone: (gone: LinkGone) => void): void {
    let reported = false;
    const report = (gone: LinkGone): void => {
      if (reported) return;
      reported = true;
      onGone(gone);
    };
    this.#stream.onClose((err) => report({ graceful: false, reason: err }));
    void (async () => {
      for (;;) {
        let frame: Frame;
        try {
          frame = await this.#stream.next('the next frame', null);
        } catch {
          return;
        }
        if (frame.type === FrameType.DONE) {
          this.#peerDone = true;
          this.#doneSeen?.();
          if (!this.#finishing) report({ graceful: true, reason: new ExchangeError(ExchangeErrorCode.CLOSED, 'the peer closed the connection') });
          return;
        }
        report({ graceful: false, reason: this.#unexpected(frame, 'nothing') });
        this.#stream.destroy();
        return;
      }
    })();
  }

  #doneSeen: (() => void) | null = null;
  #peerDone = false;

  async finish(timeoutMs: number): Promise<void> {
    if (this.#finishing) return;
    this.#finishing = true;
    this.#stream.send(FrameType.DONE);
    if (this.#peerDone) {
      // our DONE answers the peer's: it closes the socket when it reads it
      this.#stream.end();
      setTimeout(() => this.#stream.destroy(), timeoutMs).unref();
      return;
    }
    const seen = new Promise<void>((resolve) => {
      this.#doneSeen = resolve;
      this.#stream.onClose(() => resolve());
    });
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([seen, timer]);
    this.#stream.end();
    this.#stream.destroy();
  }

  abort(reason: string): void {
    this.#stream.send(FrameType.ABORT, Buffer.from(reason.slice(0, 1024), 'utf8'));
    this.#stream.end();
    setTimeout(() => this.#stream.destroy(), 1000).unref();
  }

  async #expect(type: FrameTypeValue, step: string, timeoutMs: number, signal?: AbortSignal): Promise<Frame> {
    const frame = await this.#stream.next(step, timeoutMs, signal);
    if (frame.type !== type) throw this.#unexpected(frame, frameTypeName(type));
    return frame;
  }

  #unexpected(frame: Frame, wanted: string): RdmaError {
    if (frame.type === FrameType.ABORT) return new ExchangeError(ExchangeErrorCode.PEER_ABORTED, `the peer gave up: ${frame.payload.toString('utf8')}`);
    return new ExchangeError(ExchangeErrorCode.UNEXPECTED, `the peer sent a ${frameTypeName(frame.type)} frame where ${wanted} was expected`);
  }
}
