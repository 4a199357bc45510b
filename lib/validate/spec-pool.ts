import type { MrBackend, RecvWrSpec, SendWrSpec, SgeSpec } from '../provider/spi.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A validated SGE that validation writes into again for the next post. */
export type SgeSlot = Writable<SgeSpec>;

/** A validated send request that validation writes into again for the next post. */
export type SendSlot = Writable<Omit<SendWrSpec, 'sgList'>> & { sgList: SgeSlot[] };

/** A validated receive request that validation writes into again for the next post. */
export type RecvSlot = Writable<Omit<RecvWrSpec, 'sgList'>> & { sgList: SgeSlot[] };

/**
 * The request specs one queue validates into, kept from post to post so a
 * post allocates nothing once the pool has grown to the largest batch (and
 * SGE count) seen. What `specs(n)` returns is valid until the next
 * validation into the same pool: a provider that keeps a spec past its
 * post copies it (`copySendWrSpec`, `copyRecvWrSpec`).
 */
export class SpecPool<S extends { sgList: SgeSlot[] }> {
  readonly #slots: S[] = [];
  readonly #out: S[] = [];
  readonly #make: () => S;

  constructor(make: () => S) {
    this.#make = make;
  }

  /** Slot `i` (made on first use). */
  slot(i: number): S {
    let s = this.#slots[i];
    if (s === undefined) {
      s = this.#make();
      this.#slots[i] = s;
    }
    return s;
  }

  /**
   * Validate one request or an array of them into the first slots with
   * `fill(i, wr, context, slot)` (a function taking `context` rather than a
   * closure, so that a post allocates nothing); returns those slots.
   */
  fill<W, C>(input: W | readonly W[], context: C, fill: (i: number, wr: W, context: C, out: S) => void): S[] {
    if (!Array.isArray(input)) {
      fill(0, input as W, context, this.slot(0));
      return this.specs(1);
    }
    const list = input as readonly W[];
    for (let i = 0; i < list.length; i++) fill(i, list[i]!, context, this.slot(i));
    return this.specs(list.length);
  }

  /** The first `n` slots, in the same array every time. */
  specs(n: number): S[] {
    const out = this.#out;
    for (let i = 0; i < n; i++) out[i] = this.#slots[i]!;
    if (out.length !== n) out.length = n;
    return out;
  }
}

/** A pool of send specs. */
export function sendSpecPool(): SpecPool<SendSlot> {
  return new SpecPool<SendSlot>(() => ({
    wrId: 0, opcode: 0, sgList: [], length: 0, imm: 0, remoteAddr: 0n, rkey: 0, compareAdd: 0n, swap: 0n,
    flags: 0, ah: null, remoteQpn: 0, remoteQkey: 0,
  }));
}

/** A pool of receive specs. */
export function recvSpecPool(): SpecPool<RecvSlot> {
  return new SpecPool<RecvSlot>(() => ({ wrId: 0, sgList: [], length: 0 }));
}

/** Write SGE `j` of `list`: reuse the slot there, or make it. */
export function setSge(list: SgeSlot[], j: number, mr: MrBackend, offset: number, length: number): void {
  const s = list[j];
  if (s === undefined) {
    list[j] = { mr, offset, length };
    return;
  }
  s.mr = mr;
  s.offset = offset;
  s.length = length;
}
