import type { PreparedBackend, RecvWrSpec, SendWrSpec } from '../../provider/spi.js';
import { recvBytes, sendBytes, WrPacker } from './pack.js';

/** Requests packed once into their own buffer; a change repacks one request, a post is one addon call. */
export class NativePrepared<S extends SendWrSpec | RecvWrSpec> implements PreparedBackend {
  readonly #specs: readonly S[];
  readonly #packer: WrPacker;
  /** uint32 word where each request starts. */
  readonly #starts: number[] = [];
  readonly #pack: (packer: WrPacker, spec: S, word: number, i: number) => number;
  readonly #post: (buffer: ArrayBuffer, count: number) => void;

  /**
   * @throws InvalidArgumentError for a region or address handle of another provider.
   */
  constructor(specs: readonly S[], kind: 'send' | 'recv', post: (buffer: ArrayBuffer, count: number) => void) {
    this.#specs = specs;
    this.#post = post;
    const size = kind === 'send' ? sendBytes : recvBytes;
    let bytes = 0;
    for (const s of specs) {
      this.#starts.push(bytes >>> 2);
      bytes += size(s.sgList.length);
    }
    this.#packer = new WrPacker(bytes);
    this.#pack = kind === 'send'
      ? (p, s, w, i) => p.packSendAt(s as SendWrSpec, w, i)
      : (p, s, w, i) => p.packRecvAt(s as RecvWrSpec, w, i);
    for (let i = 0; i < specs.length; i++) this.changed(i);
  }

  changed(i: number): void {
    this.#pack(this.#packer, this.#specs[i]!, this.#starts[i]!, i);
  }

  post(): void {
    this.#post(this.#packer.buffer, this.#specs.length);
  }
}
