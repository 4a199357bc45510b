import type { ShmLink } from './link.js';
import type { Peer } from './peer.js';

/** Withdrawn GIDs remembered (the oldest are forgotten first). */
const WITHDRAWN_KEPT = 4096;

/**
 * Which thread each node (GID) of another thread lives in, the links to
 * them, and the `resolve` calls waiting to learn one.
 */
export class Directory {
  readonly #owners = new Map<string, Peer>();
  readonly #links = new Map<string, ShmLink>();
  /** Nodes withdrawn, so that a late definition from a ring does not bring them back. */
  readonly #withdrawn = new Set<string>();
  readonly #waiting = new Map<string, Array<() => void>>();

  /** The peer thread `gid` lives in, if known. */
  owner(gid: string): Peer | undefined {
    return this.#owners.get(gid);
  }

  link(gid: string): ShmLink | undefined {
    return this.#links.get(gid);
  }

  setLink(gid: string, link: ShmLink): void {
    this.#links.set(gid, link);
  }

  /**
   * `gid` lives in `peer`'s thread. An announcement always counts; a GID
   * merely named in a ring does not bring back one that was withdrawn.
   */
  learn(gid: string, peer: Peer, announced: boolean): void {
    if (announced) this.#withdrawn.delete(gid);
    else if (this.#withdrawn.has(gid)) return;
    const before = this.#owners.get(gid);
    if (before !== peer) {
      before?.gids.delete(gid);
      this.#links.delete(gid);
      this.#owners.set(gid, peer);
    }
    peer.gids.add(gid);
    const waiting = this.#waiting.get(gid);
    if (waiting) {
      this.#waiting.delete(gid);
      for (const done of waiting) done();
    }
  }

  /** `gid` was closed: remember it; returns the thread it lived in. */
  withdraw(gid: string): Peer | undefined {
    this.#withdrawn.add(gid);
    if (this.#withdrawn.size > WITHDRAWN_KEPT) this.#withdrawn.delete(this.#withdrawn.values().next().value!);
    return this.#owners.get(gid);
  }

  /** Forget that `gid` lives in `peer`'s thread. */
  forget(gid: string, peer: Peer): void {
    peer.gids.delete(gid);
    if (this.#owners.get(gid) === peer) this.#owners.delete(gid);
    this.#links.delete(gid);
  }

  /** Resolves once `gid` is learned, or after `ms` (never rejects). */
  waitFor(gid: string, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const left = (this.#waiting.get(gid) ?? []).filter((f) => f !== done);
        if (left.length > 0) this.#waiting.set(gid, left);
        else this.#waiting.delete(gid);
        resolve();
      }, ms);
      const list = this.#waiting.get(gid) ?? [];
      list.push(done);
      this.#waiting.set(gid, list);
    });
  }
}
