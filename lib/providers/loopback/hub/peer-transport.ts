import type { Socket } from 'node:net';
import { QpType } from '../../../constants/qp.js';
import { RdmaError } from '../../../errors/rdma-error.js';
import { fabric, type Transport } from '../fabric.js';
import type { LoopNode } from '../node.js';
import { Syndrome, type Link, type RequestPacket } from '../packets.js';
import { parseAddress } from './address.js';
import { messageOf } from './errors.js';
import { lidOfGid } from './gid.js';
import { HubNode } from './hub-node.js';
import type { JsonMessage, OutMessage } from './json-frames.js';
import { PeerConnection, type PeerEvents, type PeerHello } from './peer-connection.js';
import { PeerLink, type PeerProcess } from './peer-link.js';
import { FrameWriter } from './frame-writer.js';
import { FrameType, decodeRequest, decodeResponse, requestDstLid, requestSrcLid, responseDstLid } from './peer-wire.js';
import { sharedMemory } from '../mapping/shared-memory.js';
import { sweepWhenGone } from '../mapping/sweep.js';
import { openMappedRequest, requestMapped, type MappedRequest } from './mapped-request.js';
import { enterGuard, leaveGuard } from '../mapping/qp-guard.js';

/** Where a GID lives, as the hub says. */
export interface PeerLocation {
  readonly peer: string;
  readonly lid: number;
}

/** What the transport needs once a hub session is up. */
export interface PeerTransportConfig {
  /** This process's peer address (its identity). */
  readonly id: string;
  /** Token for peer hellos (TCP), or null. */
  readonly token: string | null;
  /** Ask the hub where a GID lives; throws `ERR_HUB_UNAVAILABLE` when it cannot. */
  readonly locate: (gid: string) => Promise<PeerLocation | null>;
  /** Whether the peer listener keeps the process alive. */
  readonly setListenerRef: (ref: boolean) => void;
}

interface Peer extends PeerProcess {
  readonly conns: Set<PeerConnection>;
  send: PeerConnection | null;
}

/**
 * The data path between processes: a `Transport` that reaches the hub nodes
 * of other processes over one connection per pair of processes (two when
 * both dial at the same moment; each side then sends on the first it got),
 * multiplexing every node and QP. The hub only says where a GID lives;
 * requests and responses go straight to the peer and are delivered to
 * nodes on the event loop, as they arrive.
 *
 * Its sockets keep the thread alive only while a CQ of the thread waits on
 * the event loop (`cqWaiting`), a handshake is in progress or a hub request
 * is pending, like the shared-memory transport: a process whose code is done
 * and waits for nothing exits even with hub contexts open.
 *
 * When a connection to a process breaks, every QP of this process connected
 * to one of its nodes fails (`LoopNode.peerLost`): the oldest outstanding
 * send completes with RETRY_EXC_ERR, the rest and the receives with
 * WR_FLUSH_ERR, and a QP_FATAL event is raised.
 */
export class PeerTransport implements Transport {
  readonly #locals = new Map<number, LoopNode>();
  readonly #peers = new Map<string, Peer>();
  readonly #routes = new Map<string, PeerLink>();
  readonly #dials = new Map<string, Promise<Peer>>();
  readonly #conns = new Set<PeerConnection>();
  readonly #background = new Set<string>();
  /** LIDs whose node (with its QP) moved to another process: requests to them are answered MIGRATING. */
  readonly #moved = new Set<number>();
  #config: PeerTransportConfig | null = null;
  #cqWaiters = 0;

  readonly #events: PeerEvents = {
    opened: (conn) => {
      this.#conns.add(conn);
      conn.setRef(this.#cqWaiters > 0);
    },
    data: (conn, type, head, body) => this.#data(conn, type, head, body),
    control: (conn, msg) => this.#control(conn, msg),
    closed: (conn, reason) => this.#closed(conn, reason),
  };

  #requestsServed = 0;

  /** Requests from peers delivered to this thread's nodes (for tests). */
  get requestsServed(): number {
    return this.#requestsServed;
  }

  /** Connections currently open (handshaken or not). */
  get connectionCount(): number {
    return this.#conns.size;
  }

  /** Begin serving a hub session. */
  start(config: PeerTransportConfig): void {
    this.#config = config;
    config.setListenerRef(this.#cqWaiters > 0);
  }

  /** A CQ of this thread starts (true) or stops (false) waiting: keep the sockets referenced meanwhile. */
  cqWaiting(waiting: boolean): void {
    const before = this.#cqWaiters > 0;
    this.#cqWaiters = Math.max(0, this.#cqWaiters + (waiting ? 1 : -1));
    const now = this.#cqWaiters > 0;
    if (now === before) return;
    for (const c of this.#conns) c.setRef(now);
    this.#config?.setListenerRef(now);
  }

  /** End the session: close every peer connection gracefully and forget the peers. */
  stop(): void {
    this.#config = null;
    for (const c of [...this.#conns]) c.end();
    this.#conns.clear();
    this.#peers.clear();
    this.#routes.clear();
    this.#locals.clear();
    this.#moved.clear();
  }

  /** Serve a connection accepted by the peer listener. */
  accept(socket: Socket, tcp: boolean): void {
    const cfg = this.#config;
    if (!cfg) {
      socket.destroy();
      return;
    }
    PeerConnection.accept(socket, () => this.#hello(), tcp ? cfg.token : null, this.#events, (conn) => this.#adopt(conn));
  }

  route(gid: string): Link | null {
    const link = this.#routes.get(gid);
    if (link) return link;
    if (this.#config && lidOfGid(gid) !== 0 && !this.#background.has(gid)) {
      // a UD datagram to a node not met yet: find it for the next ones
      this.#background.add(gid);
      this.resolve(gid).catch(() => null).finally(() => this.#background.delete(gid));
    }
    return null;
  }

  /**
   * Find where `gid` lives (asking the hub) and connect to that process.
   * @throws RdmaError `ERR_HUB_UNAVAILABLE` when the hub cannot be asked.
   * @throws RdmaError `ERR_UNREACHABLE` when the process the hub names cannot be reached.
   */
  async resolve(gid: string): Promise<Link | null> {
    const known = this.#routes.get(gid);
    if (known) return known;
    const cfg = this.#config;
    if (!cfg || lidOfGid(gid) === 0) return null;
    const where = await cfg.locate(gid);
    if (!where || where.peer === cfg.id || this.#config !== cfg) return this.#routes.get(gid) ?? null;
    await this.#peer(where.peer);
    return this.#routes.get(gid) ?? null;
  }

  /**
   * Connect this process to its own peer listener (`VRDMA_LOOPBACK_SELF_ROUTE=peers`):
   * afterwards `selfRoute` reaches this thread's hub nodes through that
   * connection, as another process would.
   * @throws RdmaError `ERR_HUB_UNAVAILABLE` without a hub session.
   * @throws RdmaError `ERR_UNREACHABLE` when the own listener cannot be reached.
   */
  async connectSelf(): Promise<void> {
    const cfg = this.#config;
    if (!cfg) throw new RdmaError('ERR_HUB_UNAVAILABLE', 'no hub session: cannot route this process through its peer listener');
    await this.#peer(cfg.id);
  }

  /**
   * The way to a hub node of this thread through this process's connection
   * to itself (`connectSelf`), or null when there is none.
   */
  selfRoute(gid: string): Link | null {
    const cfg = this.#config;
    const peer = cfg ? this.#peers.get(cfg.id) : undefined;
    if (!peer?.send) return null;
    const lid = lidOfGid(gid);
    if (this.#locals.get(lid)?.gid !== gid) return null;
    const link = this.#routes.get(gid);
    if (link?.peer === peer) return link;
    this.#nodeUp(peer, lid, gid);
    return this.#routes.get(gid) ?? null;
  }

  nodeAdded(node: LoopNode): void {
    if (!(node instanceof HubNode) || !this.#config || node.hidden) return;
    this.#locals.set(node.lid, node);
    this.#broadcast({ t: 'up', lid: node.lid, gid: node.gid });
  }

  nodeRemoved(node: LoopNode): void {
    if (this.#locals.get(node.lid) !== node) return;
    this.#locals.delete(node.lid);
    if (node.movedAway) {
      // Its new process announces it; requests still sent here are told to come back later.
      this.#moved.add(node.lid);
      return;
    }
    this.#broadcast({ t: 'down', lid: node.lid, gid: node.gid });
  }

  /**
   * A hidden node (taking over a QP moved from another process) now owns its
   * LID: announce it to every peer, whose routes to it move here.
   */
  reveal(node: LoopNode): void {
    node.hidden = false;
    this.#moved.delete(node.lid);
    this.#routes.delete(node.gid);
    this.nodeAdded(node);
  }

  #hello(): PeerHello {
    const nodes: Array<readonly [number, string]> = [];
    for (const n of this.#locals.values()) nodes.push([n.lid, n.gid]);
    const shm = this.#mappable();
    return { id: this.#config?.id ?? '', pid: process.pid, nodes, ...(shm ? { shm: shm.hostKey } : {}) };
  }

  /** This process's shared memory, when peers may map it (Unix-socket peers, or any peer for a shared file). */
  #mappable(): ReturnType<typeof sharedMemory> {
    if (this.#config === null) return null;
    const mem = sharedMemory();
    return this.#config.token === null || mem?.acrossHosts === true ? mem : null;
  }

  #broadcast(msg: OutMessage): void {
    for (const c of this.#conns) if (c.greeted && !c.closed) c.writer.control(msg);
  }

  #peer(address: string): Promise<Peer> {
    const existing = this.#peers.get(address);
    if (existing?.send) return Promise.resolve(existing);
    let p = this.#dials.get(address);
    if (!p) {
      p = this.#dial(address).finally(() => this.#dials.delete(address));
      this.#dials.set(address, p);
    }
    return p;
  }

  async #dial(address: string): Promise<Peer> {
    const cfg = this.#config!;
    const addr = parseAddress(address, 'peer address');
    const conn = await PeerConnection.dial(addr, () => this.#hello(), addr.kind === 'tcp' ? cfg.token : null, this.#events).catch((err: unknown) => {
      throw err instanceof RdmaError ? err : new RdmaError('ERR_UNREACHABLE', `cannot reach the loopback peer at ${address}: ${messageOf(err)}`);
    });
    return this.#adopt(conn);
  }

  #adopt(conn: PeerConnection): Peer {
    const hello = conn.remote!;
    if (!this.#config) {
      conn.end();
      return { id: hello.id, pid: hello.pid, sendWriter: null, nodes: new Map(), conns: new Set(), send: null };
    }
    let peer = this.#peers.get(hello.id);
    if (!peer) {
      peer = { id: hello.id, pid: hello.pid, sendWriter: null, nodes: new Map(), conns: new Set(), send: null };
      this.#peers.set(hello.id, peer);
    }
    peer.conns.add(conn);
    const mem = this.#mappable();
    conn.writer.mapped = mem !== null && hello.shm === mem.hostKey ? mem : null;
    if (!peer.send) {
      peer.send = conn;
      peer.sendWriter = conn.writer;
    }
    for (const [lid, gid] of hello.nodes) this.#nodeUp(peer, lid, gid);
    return peer;
  }

  #peerOf(conn: PeerConnection): Peer | undefined {
    const id = conn.remote?.id;
    const peer = id === undefined ? undefined : this.#peers.get(id);
    return peer?.conns.has(conn) ? peer : undefined;
  }

  /** True for this process's connection to itself (`connectSelf`). */
  #isSelf(peer: Peer): boolean {
    return peer.id === this.#config?.id;
  }

  #nodeUp(peer: Peer, lid: number, gid: string): void {
    // A node of this process is reached through a peer only on the connection to itself.
    if (lidOfGid(gid) !== lid || (this.#locals.has(lid) && !this.#isSelf(peer))) return;
    peer.nodes.set(lid, gid);
    this.#routes.set(gid, new PeerLink(peer, lid, (pkt) => this.#fromLocal(pkt)));
  }

  #nodeDown(peer: Peer, lid: number, reason: string): void {
    const gid = peer.nodes.get(lid);
    if (gid === undefined) return;
    peer.nodes.delete(lid);
    const route = this.#routes.get(gid);
    // The node moved to another process since (or to this one): it is not gone.
    if (route === undefined ? this.#locals.has(lid) : route.peer !== peer) return;
    this.#routes.delete(gid);
    for (const n of [...this.#locals.values()]) n.peerLost(gid, reason);
  }

  /**
   * Requests may only come from this process's hub nodes: a private node
   * (`hub: false`) is not known to peers, so its RC requests are answered
   * NO_RESPONDER at once and its datagrams dropped.
   */
  #fromLocal(pkt: RequestPacket): boolean {
    const node = this.#locals.get(pkt.srcLid);
    if (node && node.gid === pkt.srcGid) return true;
    if (pkt.qpType === QpType.RC) {
      fabric.local(pkt.srcGid)?.deliverResponse({ dstQpn: pkt.srcQpn, psn: pkt.psn, syndrome: Syndrome.NO_RESPONDER, rnrDelayMs: 0, data: null, atomicOrig: 0n });
    }
    return false;
  }

  #data(conn: PeerConnection, type: number, head: Buffer, body: Buffer): void {
    FrameWriter.delivering++;
    try {
      this.#deliver(conn, type, head, body);
    } finally {
      FrameWriter.delivering--;
    }
  }

  #deliver(conn: PeerConnection, type: number, head: Buffer, body: Buffer): void {
    const peer = this.#peerOf(conn);
    if (!peer) return;
    if (type === FrameType.REQUEST) {
      const srcLid = requestSrcLid(head);
      const srcGid = peer.nodes.get(srcLid) ?? (this.#isSelf(peer) ? this.#locals.get(srcLid)?.gid : undefined);
      if (srcGid === undefined) return;
      const mapped = requestMapped(head) ? openMappedRequest(head, body, srcGid, peer.sendWriter) : undefined;
      if (mapped === null) return;
      const pkt = mapped ? mapped.pkt : decodeRequest(head, body, srcGid);
      const node = this.#locals.get(requestDstLid(head));
      if (node) this.#requestsServed++;
      if (node && mapped) this.#deliverGuarded(node, mapped);
      else if (node) node.deliverRequest(pkt);
      else if (pkt.qpType === QpType.RC) {
        const syndrome = this.#moved.has(requestDstLid(head)) ? Syndrome.MIGRATING : Syndrome.NO_RESPONDER;
        peer.sendWriter?.response({ dstQpn: pkt.srcQpn, psn: pkt.psn, syndrome, rnrDelayMs: 0, data: null, atomicOrig: 0n }, pkt.srcLid);
      }
      return;
    }
    if (type === FrameType.RESPONSE) this.#locals.get(responseDstLid(head))?.deliverResponse(decodeResponse(head, body));
  }

  /**
   * Execute a request that touches the requester's memory while registered
   * with its QP's guard; dropped, like a lost packet, when the requester has
   * given up on it (its QP entered ERR or closed, so it is not waiting).
   */
  #deliverGuarded(node: LoopNode, m: MappedRequest): void {
    if (!enterGuard(m.guardWords, m.guardSlot)) return;
    try {
      node.deliverRequest(m.pkt);
    } finally {
      leaveGuard(m.guardWords, m.guardSlot);
    }
  }

  #control(conn: PeerConnection, msg: JsonMessage): void {
    const peer = this.#peerOf(conn);
    if (!peer) return;
    const lid = msg['lid'];
    const gid = msg['gid'];
    if (typeof lid !== 'number' || typeof gid !== 'string') return;
    if (msg.t === 'up') this.#nodeUp(peer, lid, gid);
    else if (msg.t === 'down') this.#nodeDown(peer, lid, `loopback node ${gid} of process ${peer.pid} closed`);
  }

  #closed(conn: PeerConnection, reason: string): void {
    this.#conns.delete(conn);
    const peer = this.#peerOf(conn);
    if (!peer) return;
    peer.conns.delete(conn);
    peer.send = null;
    peer.sendWriter = null;
    this.#peers.delete(peer.id);
    for (const other of [...peer.conns]) other.destroy(reason);
    const why = `lost the connection to loopback process ${peer.pid} (${peer.id}): ${reason}`;
    if (peer.pid !== process.pid) {
      sharedMemory()?.forgetProcess(peer.pid);
      sweepWhenGone(peer.pid);
    }
    for (const lid of [...peer.nodes.keys()]) this.#nodeDown(peer, lid, why);
  }
}
