import type { Link } from './packets.js';
import type { LoopNode } from './node.js';

/** A way to reach nodes outside this thread (another worker, another process). */
export interface Transport {
  /** A link to the node with this GID, or null when this transport cannot reach it. */
  route(gid: string): Link | null;
  /** Set up a way to `gid` if one can be made (ask a hub, dial a peer); resolves to null when not. */
  resolve?(gid: string): Promise<Link | null>;
  /** Deliver whatever has arrived, synchronously (called on every poll). */
  progress?(): void;
  /** Whether `progress()` may deliver anything now (it has peers); absent: always. */
  deliversNow?(): boolean;
  /** A node opened in this thread (announce it to peers). */
  nodeAdded?(node: LoopNode): void;
  /** A node of this thread closed (withdraw it; peers' QPs to it fail). */
  nodeRemoved?(node: LoopNode): void;
  /** A CQ of this thread started (true) or stopped (false) waiting on the event loop (keep the thread alive meanwhile). */
  cqWaiting?(waiting: boolean): void;
}

/**
 * This thread's view of the loopback fabric: the nodes (open `loop0`
 * contexts) living here, reached synchronously, and the transports that reach
 * nodes elsewhere.
 */
class Fabric {
  readonly #nodes = new Map<string, LoopNode>();
  readonly #transports = new Set<Transport>();
  readonly #links = new Map<string, Link>();

  add(node: LoopNode): void {
    this.#nodes.set(node.gid, node);
    for (const t of this.#transports) t.nodeAdded?.(node);
  }

  remove(node: LoopNode): void {
    if (this.#nodes.get(node.gid) !== node) return;
    this.#nodes.delete(node.gid);
    this.#links.delete(node.gid);
    // A node never announced (a QP moving in that did not), or whose QP lives on elsewhere, is not a peer that went away.
    if (!node.hidden && !node.movedAway) {
      for (const other of this.#nodes.values()) other.peerLost(node.gid, `loopback node ${node.gid} closed`);
    }
    for (const t of this.#transports) t.nodeRemoved?.(node);
  }

  /** The nodes of this thread. */
  nodes(): IterableIterator<LoopNode> {
    return this.#nodes.values();
  }

  local(gid: string): LoopNode | undefined {
    return this.#nodes.get(gid);
  }

  /** Add a transport once; it is told of the nodes already open. */
  addTransport(t: Transport): void {
    if (this.#transports.has(t)) return;
    this.#transports.add(t);
    for (const node of this.#nodes.values()) t.nodeAdded?.(node);
  }

  removeTransport(t: Transport): void {
    this.#transports.delete(t);
  }

  /** A link to the node with `gid`, or null when no one can reach it. */
  route(gid: string): Link | null {
    const local = this.#nodes.get(gid);
    // A hidden node (a QP moving in, not yet handed over) is reached where it still lives.
    if (local && !local.hidden) {
      let link = this.#links.get(gid);
      if (!link) {
        link = new LocalLink(local);
        this.#links.set(gid, link);
      }
      return link;
    }
    for (const t of this.#transports) {
      const link = t.route(gid);
      if (link) return link;
    }
    return null;
  }

  /**
   * True when a transport may deliver on `progress()`, without this thread's
   * event loop, now: one that says it has someone to deliver from. Spinning
   * on a CQ is worth it only then (the threads of this process); completions
   * from other processes wait for the event loop, which a spin only delays.
   */
  deliversWithoutEventLoop(): boolean {
    for (const t of this.#transports) if (t.progress !== undefined && (t.deliversNow?.() ?? true)) return true;
    return false;
  }

  /** Let every transport deliver what has arrived. */
  progress(): void {
    for (const t of this.#transports) t.progress?.();
    for (const node of this.#nodes.values()) node.retryDue();
  }

  /** Tell the transports that a CQ started (true) or stopped (false) waiting. */
  cqWaiting(waiting: boolean): void {
    for (const t of this.#transports) t.cqWaiting?.(waiting);
  }

  /** Like `route`, but lets transports set up a way first. */
  async resolve(gid: string): Promise<Link | null> {
    const now = this.route(gid);
    if (now) return now;
    for (const t of this.#transports) {
      const link = t.resolve ? await t.resolve(gid) : null;
      if (link) return link;
    }
    return null;
  }
}

/** Delivers to a node in this thread, synchronously. */
class LocalLink implements Link {
  constructor(private readonly node: LoopNode) {}
  sendRequest(pkt: Parameters<Link['sendRequest']>[0]): void {
    this.node.deliverRequest(pkt);
  }
  sendResponse(pkt: Parameters<Link['sendResponse']>[0]): void {
    this.node.deliverResponse(pkt);
  }
}

/** The fabric of this thread. */
export const fabric = new Fabric();
