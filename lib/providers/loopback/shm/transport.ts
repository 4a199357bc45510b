import { isMainThread, threadId } from 'node:worker_threads';
import { randomInt } from 'node:crypto';
import type { Transport } from '../fabric.js';
import type { LoopNode } from '../node.js';
import { Syndrome, type Link, type RequestPacket } from '../packets.js';
import type { ShmConfig } from './config.js';
import { ControlChannel } from './channel.js';
import type { ControlMessage } from './messages.js';
import { parseLocalGid } from './gid.js';
import { Directory } from './directory.js';
import { ShmLink } from './link.js';
import { OutRing, type OutRingHost } from './out-ring.js';
import { PayloadPlan } from './payload-plan.js';
import { InRing, Peer } from './peer.js';
import { Receiver, type ReceiverHost } from './receiver.js';
import { Ring } from './ring.js';
import { SabRegistry } from './sab-registry.js';
import { shmStats } from './stats.js';
import { ThreadBlock } from './thread-block.js';
import { Waker } from './waker.js';
import { sharedMemory } from '../mapping/shared-memory.js';

/** The part of the fabric the transport uses. */
export interface FabricView {
  local(gid: string): LoopNode | undefined;
  nodes(): IterableIterator<LoopNode>;
  route(gid: string): Link | null;
}

/** Records consumed from one ring per pass, so that no peer starves the others. */
const DRAIN_BUDGET = 4096;

/**
 * Connects the loopback nodes of the threads of one process (main thread
 * and `worker_threads`), no hub needed. Control (threads, nodes, rings,
 * buffers) goes over a broadcast channel; packets go through one
 * single-producer ring per directed pair of threads, woken with
 * `Atomics.notify` / `Atomics.waitAsync` and drained synchronously by
 * `progress()`. Payloads in shared memory travel by reference and are copied
 * once, by the consumer, straight into the target buffer.
 */
export class ShmTransport implements Transport, ReceiverHost, OutRingHost {
  /** This transport's id among the threads of the process. */
  readonly id = randomInt(1, 0x7fff_ffff);
  readonly registry = new SabRegistry();
  readonly plan = new PayloadPlan();
  readonly inlineMax: number;
  readonly #fabric: FabricView;
  readonly #config: ShmConfig;
  readonly #block = new ThreadBlock();
  readonly #channel: ControlChannel;
  readonly #waker: Waker;
  readonly #receiver: Receiver;
  readonly #peers = new Map<number, Peer>();
  #peerList: readonly Peer[] = [];
  /** Transports found gone: whatever they still say is ignored. */
  readonly #gone = new Set<number>();
  readonly #dir = new Directory();
  #seenAttention = 0;
  #polls = 0;
  #busy = false;
  /** Withdrawals that arrived during a drain, handled once it ends. */
  readonly #later: Array<() => void> = [];
  #cqWaiters = 0;
  /** This thread as its own peer (`VRDMA_LOOPBACK_SELF_ROUTE=threads`), made on first use. */
  #self: Peer | null = null;
  readonly #selfLinks = new Map<string, ShmLink>();

  constructor(fabric: FabricView, config: ShmConfig) {
    this.#fabric = fabric;
    this.#config = config;
    this.inlineMax = config.inlineMax;
    this.#channel = new ControlChannel((m) => this.#onMessage(m));
    this.#receiver = new Receiver(this);
    this.#waker = new Waker(this.#block, this.#work);
    this.registry.onCollected = (id) => {
      for (const p of this.#peerList) p.out?.dropBuffer(id);
    };
    setInterval(() => this.#tick(), config.heartbeatMs).unref();
    if (!isMainThread) process.on('exit', () => this.#channel.post({ t: 'bye', from: this.id }));
    this.#post({ t: 'here', from: this.id, to: 0, block: this.#block.sab, gids: this.#ownGids(), ask: true });
    this.#waker.arm();
  }

  // ---- Transport ----

  /** A link to the node `gid` of another thread of this process, or null when none is known. */
  route(gid: string): Link | null {
    const link = this.#dir.link(gid);
    if (link) return link;
    const peer = this.#dir.owner(gid);
    if (!peer) return null;
    if (!peer.out) this.#openRing(peer);
    const made = new ShmLink(peer, gid);
    this.#dir.setLink(gid, made);
    return made;
  }

  /**
   * Like `route`, but for a GID that names another thread of this process,
   * asks who has it and waits (at most `resolveMs`) for the answer. Never rejects.
   */
  async resolve(gid: string): Promise<Link | null> {
    this.#channel.drain();
    const now = this.route(gid);
    if (now) return now;
    const waitMs = this.#resolveWait(gid);
    if (waitMs <= 0) return null;
    this.#post({ t: 'who', from: this.id, block: this.#block.sab, gid });
    await this.#dir.waitFor(gid, waitMs);
    return this.route(gid);
  }

  /**
   * The way to node `gid` of this thread through a ring from this thread to
   * itself, as to a node of another thread (`VRDMA_LOOPBACK_SELF_ROUTE=threads`),
   * or null when `gid` is not a node of this thread.
   */
  selfRoute(gid: string): Link | null {
    if (!this.#fabric.local(gid)) return null;
    let link = this.#selfLinks.get(gid);
    if (!link) {
      link = new ShmLink(this.#selfPeer(), gid);
      this.#selfLinks.set(gid, link);
    }
    return link;
  }

  /** Consume what arrived from other threads and send what waited for room (every CQ poll). */
  progress(): void {
    if (this.#busy) return;
    if ((++this.#polls & 1023) === 0) this.#housekeeping(performance.now());
    if (this.#peerList.length === 0) return;
    this.#waker.polling();
    this.#work();
  }

  /** Whether a poll may receive anything now: another thread (or this one, over its self route) is known. */
  deliversNow(): boolean {
    return this.#peerList.length > 0;
  }

  /** Announce a node of this thread. */
  nodeAdded(node: LoopNode): void {
    this.#post({ t: 'here', from: this.id, to: 0, block: this.#block.sab, gids: [node.gid], ask: false });
  }

  /** Withdraw a node of this thread: peers' QPs connected to it fail. */
  nodeRemoved(node: LoopNode): void {
    this.#selfLinks.delete(node.gid);
    this.#post({ t: 'gone', from: this.id, gid: node.gid });
  }

  /** A CQ of this thread starts (true) or stops (false) waiting: keep the thread alive meanwhile, while peers can wake it. */
  cqWaiting(waiting: boolean): void {
    this.#cqWaiters += waiting ? 1 : -1;
    if (this.#cqWaiters < 0) this.#cqWaiters = 0;
    this.#updateHold();
  }

  // ---- hosts of the rings ----

  /** The node of this thread with `gid`. */
  local(gid: string): LoopNode | undefined {
    return this.#fabric.local(gid);
  }

  /** `gid` is a node of `peer`'s thread, as its ring says. */
  learn(gid: string, peer: Peer): void {
    if (!this.#gone.has(peer.id)) this.#dir.learn(gid, peer, false);
  }

  /** Handle the control messages already queued. */
  drainControl(): void {
    this.#channel.drain();
  }

  /** Answer a request for a node of this thread that is closed. */
  noResponder(req: RequestPacket): void {
    this.#fabric.route(req.srcGid)?.sendResponse({
      dstQpn: req.srcQpn, psn: req.psn, syndrome: Syndrome.NO_RESPONDER, rnrDelayMs: 0, data: null, atomicOrig: 0n,
    });
  }

  /** Make `sab` (a `SharedArrayBuffer`, or a named mapping: the peer maps it too) known to the transport `to` as `id`. */
  share(to: number, id: number, sab: ArrayBufferLike): void {
    if (to === this.id) {
      // this thread as its own peer: the buffer is here already
      this.#self?.buffers.set(id, new Uint8Array(sab));
      shmStats.buffersShared++;
      return;
    }
    const ref = sab instanceof SharedArrayBuffer ? undefined : sharedMemory()?.mappingOf(sab);
    if (ref) this.#channel.post({ t: 'map', from: this.id, to, id, name: ref.name, size: ref.size });
    else this.#channel.post({ t: 'sab', from: this.id, to, id, sab: sab as SharedArrayBuffer });
    shmStats.buffersShared++;
  }

  // ---- inside ----

  /** Consume what arrived, write what waited for room (synchronously). */
  readonly #work = (): void => {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const attention = this.#block.attention;
      if (attention !== this.#seenAttention) {
        this.#seenAttention = attention;
        this.#channel.drain();
      }
      const peers = this.#peerList;
      for (let k = 0; k < peers.length; k++) {
        const p = peers[k]!;
        if (p.in) this.#receiver.drain(p, DRAIN_BUDGET);
        if (p.out?.backlogged) p.out.flush();
      }
    } finally {
      this.#busy = false;
    }
    while (this.#later.length > 0) this.#later.shift()!();
  };

  #tick(): void {
    this.#housekeeping(performance.now());
    this.#work();
  }

  #housekeeping(now: number): void {
    this.#block.beat();
    this.#channel.drain();
    for (const p of this.#peerList) {
      if (!p.alive(now, this.#config.peerTimeoutMs)) {
        const why = p.in?.ring.closed || p.out?.ring.closed
          ? 'the thread gave up its rings'
          : `the thread showed no sign of life for ${this.#config.peerTimeoutMs} ms (terminated, or blocked)`;
        this.#afterRing(p, () => this.#lose(p, why));
      }
    }
  }

  #onMessage(m: ControlMessage): void {
    if (this.#gone.has(m.from) || m.from === this.id) return;
    switch (m.t) {
      case 'here': {
        const peer = this.#peer(m.from, m.block);
        for (const gid of m.gids) this.#dir.learn(gid, peer, true);
        if (m.ask) this.#post({ t: 'here', from: this.id, to: m.from, block: this.#block.sab, gids: this.#ownGids(), ask: false });
        return;
      }
      case 'who': {
        const peer = this.#peer(m.from, m.block);
        if (this.#fabric.local(m.gid)) {
          this.#channel.post({ t: 'here', from: this.id, to: m.from, block: this.#block.sab, gids: this.#ownGids(), ask: false });
          peer.block.attend();
        }
        return;
      }
      case 'gone': {
        const owner = this.#dir.withdraw(m.gid);
        if (owner && owner.id === m.from) this.#afterRing(owner, () => this.#forget(m.gid, owner, `loopback node ${m.gid} closed`));
        return;
      }
      case 'ring': {
        if (m.to !== this.id) return;
        const peer = this.#peer(m.from, m.block);
        peer.in = new InRing(new Ring(m.sab));
        return;
      }
      case 'sab': {
        if (m.to !== this.id) return;
        this.#peers.get(m.from)?.buffers.set(m.id, new Uint8Array(m.sab));
        return;
      }
      case 'map': {
        if (m.to !== this.id) return;
        const buffers = this.#peers.get(m.from)?.buffers;
        const bytes = buffers ? mapQuietly(m.name, m.size) : null;
        if (buffers && bytes) buffers.set(m.id, bytes);
        return;
      }
      case 'bye': {
        const peer = this.#peers.get(m.from);
        if (peer) this.#afterRing(peer, () => this.#lose(peer, 'the thread exited'));
        return;
      }
    }
  }

  /** The peer with `id`, known from now on. */
  #peer(id: number, block: SharedArrayBuffer): Peer {
    let peer = this.#peers.get(id);
    if (!peer) {
      peer = new Peer(id, block, performance.now());
      this.#peers.set(id, peer);
      this.#peerList = [...this.#peers.values()];
      this.#updateHold();
    }
    return peer;
  }

  /** This thread as its own peer: one ring, written and read here. */
  #selfPeer(): Peer {
    if (this.#self) return this.#self;
    const peer = new Peer(this.id, this.#block.sab, performance.now());
    const ring = Ring.create(this.#config.ringBytes);
    peer.out = new OutRing(ring, this, this.#block, this.id);
    peer.in = new InRing(new Ring(ring.sab));
    this.#self = peer;
    this.#peers.set(this.id, peer);
    this.#peerList = [...this.#peers.values()];
    this.#updateHold();
    return peer;
  }

  #openRing(peer: Peer): void {
    const ring = Ring.create(this.#config.ringBytes);
    peer.out = new OutRing(ring, this, peer.block, peer.id);
    this.#channel.post({ t: 'ring', from: this.id, to: peer.id, block: this.#block.sab, sab: ring.sab });
    peer.block.attend();
  }

  /**
   * Run `then` once every record `peer` published so far has been consumed:
   * what a thread sent before it withdrew a node or went away is delivered
   * first (an ACK is not lost to the withdrawal that overtook it on the
   * channel). Inside a drain, it waits until the drain ends.
   */
  #afterRing(peer: Peer, then: () => void): void {
    if (this.#busy) {
      this.#later.push(() => this.#afterRing(peer, then));
      return;
    }
    this.#busy = true;
    try {
      while (peer.in && this.#receiver.drain(peer, DRAIN_BUDGET) === DRAIN_BUDGET) { /* more */ }
    } finally {
      this.#busy = false;
    }
    then();
  }

  /** `gid` no longer lives in `peer`'s thread: the QPs connected to it fail. */
  #forget(gid: string, peer: Peer, reason: string): void {
    this.#dir.forget(gid, peer);
    for (const node of [...this.#fabric.nodes()]) node.peerLost(gid, reason);
  }

  /** `peer`'s thread is gone (or deemed gone): close the rings both ways and fail every QP connected to its nodes. */
  #lose(peer: Peer, reason: string): void {
    if (this.#gone.has(peer.id)) return;
    this.#gone.add(peer.id);
    this.#peers.delete(peer.id);
    this.#peerList = [...this.#peers.values()];
    shmStats.peersLost++;
    peer.out?.ring.close();
    peer.out?.close();
    peer.in?.ring.close();
    peer.buffers.clear();
    for (const gid of [...peer.gids]) this.#forget(gid, peer, `loopback node ${gid} is gone: ${reason}`);
    peer.out = null;
    peer.in = null;
    this.#updateHold();
  }

  /** Post to every other thread and make sure even those spinning on a CQ look. */
  #post(m: ControlMessage): void {
    this.#channel.post(m);
    for (const p of this.#peerList) p.block.attend();
  }

  #ownGids(): string[] {
    return [...this.#fabric.nodes()].map((n) => n.gid);
  }

  #updateHold(): void {
    this.#channel.hold(this.#cqWaiters > 0 && this.#peers.size > 0);
  }

  /**
   * How long `resolve` may wait for `gid` to be announced: only a GID that
   * names another thread of this process is worth waiting for; any other
   * (a hub node) is routed here only once announced, else by the hub.
   */
  #resolveWait(gid: string): number {
    const local = parseLocalGid(gid);
    if (!local || local.pid !== process.pid || local.threadId === (threadId & 0xffff)) return 0;
    return this.#config.resolveMs;
  }
}

/** Another thread's named mapping, mapped here too, or null when it cannot be (the records naming it are then not served). */
function mapQuietly(name: string, size: number): Uint8Array | null {
  try {
    return sharedMemory()?.map(name, size) ?? null;
  } catch {
    return null;
  }
}
