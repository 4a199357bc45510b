import { FRAME_PREFIX, REQUEST_HEADER, headerSize } from './peer-wire.js';

/**
 * Receives one frame. `head` is only valid during the call; `body` may be
 * kept (it is a view of received bytes, never reused).
 */
export type FrameHandler = (type: number, head: Buffer, body: Buffer) => void;

/** Checks a frame's type and length before any of its body is buffered; throws to refuse it. */
export type FrameGate = (type: number, len: number) => void;

const EMPTY = Buffer.alloc(0);

/**
 * Cuts a byte stream into peer frames. A frame that arrives whole in one
 * chunk is passed as views of that chunk (no copy); one that spans chunks
 * is assembled into a buffer of its exact size (one copy).
 */
export class FrameReader {
  readonly #onFrame: FrameHandler;
  readonly #gate: FrameGate;
  readonly #head = Buffer.alloc(REQUEST_HEADER);
  #headHave = 0;
  /** Header size of the frame being read, 0 until its prefix is in. */
  #headNeed = 0;
  #type = 0;
  #len = 0;
  #body: Buffer | null = null;
  #bodyHave = 0;

  constructor(onFrame: FrameHandler, gate: FrameGate = () => {}) {
    this.#onFrame = onFrame;
    this.#gate = gate;
  }

  /** True when no partial frame is buffered. */
  get idle(): boolean {
    return this.#headHave === 0 && this.#body === null;
  }

  /** Feed received bytes. @throws HubProtocolError for an unknown type or bad length; whatever the gate throws. */
  push(chunk: Buffer): void {
    const n = chunk.length;
    let off = 0;
    while (off < n) {
      if (this.#body !== null) {
        off = this.#fillBody(chunk, off);
        continue;
      }
      if (this.#headHave === 0 && n - off >= FRAME_PREFIX) {
        const len = chunk.readUInt32LE(off);
        const type = chunk[off + 4]!;
        const hsize = headerSize(type, len);
        this.#gate(type, len);
        const total = len + 4;
        if (n - off >= total) {
          this.#onFrame(type, chunk.subarray(off, off + hsize), chunk.subarray(off + hsize, off + total));
          off += total;
          continue;
        }
        if (n - off >= hsize) {
          chunk.copy(this.#head, 0, off, off + hsize);
          this.#startBody(type, len, hsize);
          off += hsize;
          continue;
        }
      }
      off = this.#fillHead(chunk, off);
    }
  }

  #fillHead(chunk: Buffer, off: number): number {
    const want = this.#headNeed === 0 ? FRAME_PREFIX : this.#headNeed;
    const take = Math.min(want - this.#headHave, chunk.length - off);
    chunk.copy(this.#head, this.#headHave, off, off + take);
    this.#headHave += take;
    off += take;
    if (this.#headHave < want) return off;
    if (this.#headNeed === 0) {
      this.#len = this.#head.readUInt32LE(0);
      this.#type = this.#head[4]!;
      this.#headNeed = headerSize(this.#type, this.#len);
      this.#gate(this.#type, this.#len);
      if (this.#headHave < this.#headNeed) return off;
    }
    this.#startBody(this.#type, this.#len, this.#headNeed);
    return off;
  }

  #startBody(type: number, len: number, hsize: number): void {
    this.#type = type;
    this.#headNeed = hsize;
    this.#headHave = hsize;
    const bodyLen = len + 4 - hsize;
    if (bodyLen === 0) {
      this.#finish(EMPTY);
      return;
    }
    this.#body = Buffer.allocUnsafe(bodyLen);
    this.#bodyHave = 0;
  }

  #fillBody(chunk: Buffer, off: number): number {
    const body = this.#body!;
    const take = Math.min(body.length - this.#bodyHave, chunk.length - off);
    chunk.copy(body, this.#bodyHave, off, off + take);
    this.#bodyHave += take;
    if (this.#bodyHave === body.length) {
      this.#body = null;
      this.#finish(body);
    }
    return off + take;
  }

  #finish(body: Buffer): void {
    const type = this.#type;
    this.#headHave = 0;
    this.#headNeed = 0;
    this.#onFrame(type, this.#head, body);
  }
}
