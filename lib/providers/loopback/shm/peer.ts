import type { OutRing } from './out-ring.js';
import { RingReader, type Ring } from './ring.js';
import { ThreadBlock } from './thread-block.js';

/** The consumer's side of the ring a peer thread sends to this one. */
export class InRing {
  readonly reader: RingReader;
  /** GIDs by ring id, as the producer defined them. */
  readonly gids: string[] = [];

  constructor(ring: Ring) {
    this.reader = new RingReader(ring);
  }

  get ring(): Ring {
    return this.reader.ring;
  }
}

/** What this thread knows of another thread's transport. */
export class Peer {
  /** The peer transport's id. */
  readonly id: number;
  readonly block: ThreadBlock;
  /** Its nodes. */
  readonly gids = new Set<string>();
  /** The ring this thread sends to it on (made on first use). */
  out: OutRing | null = null;
  /** The ring it sends to this thread on (made by it). */
  in: InRing | null = null;
  /** Buffers it shared with this thread, by its ids (staging buffers under negative ids). */
  readonly buffers = new Map<number, Uint8Array>();
  /** Its heartbeat when last seen advancing, and when (ms, `performance.now()`). */
  lastBeat: number;
  lastSeen: number;

  constructor(id: number, block: SharedArrayBuffer, now: number) {
    this.id = id;
    this.block = new ThreadBlock(block);
    this.lastBeat = this.block.heartbeat;
    this.lastSeen = now;
  }

  /** True when it advanced its heartbeat lately, or when either ring was given up. */
  alive(now: number, timeoutMs: number): boolean {
    if (this.in?.ring.closed || this.out?.ring.closed) return false;
    const beat = this.block.heartbeat;
    if (beat !== this.lastBeat) {
      this.lastBeat = beat;
      this.lastSeen = now;
      return true;
    }
    return now - this.lastSeen <= timeoutMs;
  }
}
