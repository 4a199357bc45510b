import { LoopNode } from '../node.js';
import type { LoopQp } from '../qp.js';
import type { CmClient } from '../cm/cm-client.js';
import type { Link } from '../packets.js';
import { fabric } from '../fabric.js';

/** A LID, GID and QPN base assigned by the hub. */
export interface Registration {
  readonly lid: number;
  readonly gid: string;
  readonly qpnBase: number;
}

/** Told of each QP created on or destroyed from a node. */
export type QpReporter = (op: 'create' | 'destroy', qpn: number) => void;

/** The QP table of a hub node: a Map that reports additions and removals. */
class ReportingQpTable extends Map<number, LoopQp> {
  constructor(private readonly report: QpReporter) {
    super();
  }

  override set(qpn: number, qp: LoopQp): this {
    const added = !this.has(qpn);
    super.set(qpn, qp);
    if (added) this.report('create', qpn);
    return this;
  }

  override delete(qpn: number): boolean {
    const removed = super.delete(qpn);
    if (removed) this.report('destroy', qpn);
    return removed;
  }
}

/**
 * How a node reaches the hub nodes of its own thread when they are to be
 * reached as another process would reach them (`VRDMA_LOOPBACK_SELF_ROUTE=peers`).
 */
export interface SelfRouter {
  /** The link to this thread's node `gid` through the process's connection to itself, or null. */
  route(gid: string): Link | null;
  /** Set that connection up. */
  connect(): Promise<void>;
}

/**
 * A loopback node registered with the hub: its LID, GID and QP numbers come
 * from the hub, and its QP creates and destroys are reported to it.
 */
export class HubNode extends LoopNode {
  override readonly qps: Map<number, LoopQp>;
  readonly #cm: CmClient;
  /** Set when this thread's nodes are reached through the peer connection, not directly. */
  readonly selfRouter: SelfRouter | null;

  constructor(reg: Registration, report: QpReporter, cm: CmClient, selfRouter: SelfRouter | null = null) {
    super(reg.gid, reg.lid, reg.qpnBase);
    this.qps = new ReportingQpTable(report);
    this.#cm = cm;
    this.selfRouter = selfRouter;
  }

  /** Like `LoopNode.route`; with a self router, nodes of this thread are reached through it only. */
  override route(gid: string): Link | null {
    const self = this.selfRouter;
    if (self !== null && fabric.local(gid) !== undefined) return self.route(gid);
    return super.route(gid);
  }

  /** Like `LoopNode.resolve`, setting up the self router's connection first when it routes `gid`. */
  override async resolve(gid: string): Promise<Link | null> {
    const self = this.selfRouter;
    if (self === null || fabric.local(gid) === undefined) return super.resolve(gid);
    await self.connect();
    return self.route(gid);
  }

  /** The hub session's CM client: listeners and connects go through the hub. */
  override cmClient(): CmClient {
    return this.#cm;
  }
}
