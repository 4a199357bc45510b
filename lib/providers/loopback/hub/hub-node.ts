import { LoopNode, type SelfRouter } from '../node.js';
import type { LoopQp } from '../qp.js';
import type { CmClient } from '../cm/cm-client.js';

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
 * A loopback node registered with the hub: its LID, GID and QP numbers come
 * from the hub, and its QP creates and destroys are reported to it.
 */
export class HubNode extends LoopNode {
  override readonly qps: Map<number, LoopQp>;
  readonly #cm: CmClient;

  /** @param selfRouter how this thread's nodes are reached (`VRDMA_LOOPBACK_SELF_ROUTE=peers`), or null: directly. */
  constructor(reg: Registration, report: QpReporter, cm: CmClient, selfRouter: SelfRouter | null = null) {
    super(reg.gid, reg.lid, reg.qpnBase);
    this.qps = new ReportingQpTable(report);
    this.#cm = cm;
    this.selfRouter = selfRouter;
  }

  /** The hub session's CM client: listeners and connects go through the hub. */
  override cmClient(): CmClient {
    return this.#cm;
  }
}
