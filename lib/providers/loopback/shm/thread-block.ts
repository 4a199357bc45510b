import { BLOCK_BYTES, BlockWord } from './layout.js';

/**
 * The words through which one thread is woken and watched by the others: a
 * sleeping flag that producers take down (and `Atomics.notify`) after
 * writing to its rings, an attention counter for control messages, and a
 * heartbeat.
 */
export class ThreadBlock {
  readonly sab: SharedArrayBuffer;
  readonly words: Int32Array;

  /** @param sab an existing block (a peer's), or none to make this thread's own. */
  constructor(sab: SharedArrayBuffer = new SharedArrayBuffer(BLOCK_BYTES)) {
    this.sab = sab;
    this.words = new Int32Array(sab, 0, BLOCK_BYTES / 4);
  }

  /**
   * Wake the thread: new records wait in one of its rings, or room freed up
   * in one of its rings (call it after publishing them). Only the first
   * producer to find it sleeping takes the flag down and notifies the
   * thread, which waits on that flag; the thread raises it again before it
   * next waits.
   */
  ring(): void {
    const w = this.words;
    if (Atomics.load(w, BlockWord.SLEEPING) !== 0 && Atomics.compareExchange(w, BlockWord.SLEEPING, 1, 0) === 1) {
      Atomics.notify(w, BlockWord.SLEEPING);
    }
  }

  /** Tell the thread that a control message for it is queued, and wake it. */
  attend(): void {
    Atomics.add(this.words, BlockWord.ATTENTION, 1);
    this.ring();
  }

  get attention(): number {
    return Atomics.load(this.words, BlockWord.ATTENTION);
  }

  get heartbeat(): number {
    return Atomics.load(this.words, BlockWord.HEARTBEAT);
  }

  /** Advance this thread's heartbeat (own block only). */
  beat(): void {
    Atomics.add(this.words, BlockWord.HEARTBEAT, 1);
  }
}
