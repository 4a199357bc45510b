import type { SharedMemory } from './shared-memory.js';

/** Slots per guard object (4 bytes each). */
const SLOTS = 4096;
/** A revoked slot; otherwise a slot holds how many responders are copying right now. */
const REVOKED = -1;
/** How long `revoke` waits for a responder that is copying (a killed one never finishes). */
const REVOKE_WAIT_MS = 1000;

interface GuardObject {
  readonly name: string;
  readonly size: number;
  readonly words: Int32Array;
  next: number;
}

let current: GuardObject | null = null;

/**
 * The word a requester QP shares with the responders that copy its memory:
 * before a responder copies from (or into) the memory of one of its
 * requests it registers as a reader, unless the requester has revoked the
 * word, which it does before it completes any request without the peer's
 * answer (the QP enters ERR, is closed). So no request completed that way
 * has its memory touched afterwards, and memory the application reuses
 * stays its own.
 */
export class QpGuard {
  constructor(readonly name: string, readonly size: number, readonly slot: number, private readonly words: Int32Array) {}

  /**
   * Forbid further copies; waits (synchronously, microseconds: a copy in
   * progress) until no responder copies. A responder that died while
   * copying is given up on after a second.
   */
  revoke(): void {
    const deadline = performance.now() + REVOKE_WAIT_MS;
    for (;;) {
      const v = Atomics.compareExchange(this.words, this.slot, 0, REVOKED);
      if (v === 0 || v === REVOKED) return;
      if (performance.now() > deadline) {
        Atomics.store(this.words, this.slot, REVOKED);
        return;
      }
    }
  }
}

/** A fresh guard for a requester QP (a slot of this thread's guard object), or null when none can be made. */
export function newQpGuard(mem: SharedMemory): QpGuard | null {
  if (current === null || current.next >= SLOTS) {
    const bytes = mem.allocate(SLOTS * 4);
    if (bytes === null) return null;
    const ref = mem.mappingOf(bytes.buffer)!;
    current = { name: ref.name, size: ref.size, words: new Int32Array(bytes.buffer, 0, SLOTS), next: 0 };
  }
  const slot = current.next++;
  return new QpGuard(current.name, current.size, slot, current.words);
}

/**
 * On the responder's side: register as a reader of `slot` in `words` (the
 * requester's guard object, mapped here). False when the requester revoked
 * it: its request must then not be executed (its QP gave up on it).
 */
export function enterGuard(words: Int32Array, slot: number): boolean {
  for (;;) {
    const v = Atomics.load(words, slot);
    if (v < 0) return false;
    if (Atomics.compareExchange(words, slot, v, v + 1) === v) return true;
  }
}

/** The reader registered by `enterGuard` is done. */
export function leaveGuard(words: Int32Array, slot: number): void {
  Atomics.sub(words, slot, 1);
}
