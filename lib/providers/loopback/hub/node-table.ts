import { FIRST_LID, LAST_LID, gidOfLid, qpnBaseOfLid } from './gid.js';

/** One client node as the hub records it. */
export interface NodeRecord {
  readonly lid: number;
  readonly gid: string;
  readonly qpnBase: number;
  /** Where the owning process listens for peers. */
  readonly peer: string;
  /** Process id of the owner, as it said in its hello. */
  readonly pid: number;
  /** The hub connection that registered it. */
  readonly owner: number;
  /** QP numbers the owner reported. */
  readonly qps: Set<number>;
}

/** The outcome of `NodeTable.register`. */
export type RegisterResult = { readonly ok: true; readonly node: NodeRecord } | { readonly ok: false; readonly code: string; readonly message: string };

/**
 * The hub's node table: hands out LIDs like a subnet manager (counting up,
 * wrapping, never a LID in use), with the GID and QPN base that follow from
 * the LID, and keeps each node's peer address and QPs.
 */
export class NodeTable {
  readonly #byLid = new Map<number, NodeRecord>();
  readonly #byGid = new Map<string, NodeRecord>();
  #nextLid: number;

  constructor(nextLid = FIRST_LID) {
    this.#nextLid = nextLid >= FIRST_LID && nextLid <= LAST_LID ? nextLid : FIRST_LID;
  }

  /** The LID the next new node will get (when free). */
  get nextLid(): number { return this.#nextLid; }
  get size(): number { return this.#byLid.size; }

  /** Total QPs reported. */
  get qpCount(): number {
    let n = 0;
    for (const r of this.#byLid.values()) n += r.qps.size;
    return n;
  }

  /** Register a node; with `reclaimLid`, take that LID back (after a hub restart) if it is free. */
  register(owner: number, peer: string, pid: number, reclaimLid?: number): RegisterResult {
    let lid: number;
    if (reclaimLid !== undefined) {
      if (reclaimLid < FIRST_LID || reclaimLid > LAST_LID) return { ok: false, code: 'ERR_BAD_LID', message: `LID ${reclaimLid} is outside ${FIRST_LID}..${LAST_LID}` };
      if (this.#byLid.has(reclaimLid)) return { ok: false, code: 'ERR_LID_TAKEN', message: `LID ${reclaimLid} belongs to another node` };
      lid = reclaimLid;
      if (lid >= this.#nextLid) this.#nextLid = lid === LAST_LID ? FIRST_LID : lid + 1;
    } else {
      const free = this.#freeLid();
      if (free === 0) return { ok: false, code: 'ERR_HUB_FULL', message: 'every LID is in use' };
      lid = free;
    }
    const node: NodeRecord = { lid, gid: gidOfLid(lid), qpnBase: qpnBaseOfLid(lid), peer, pid, owner, qps: new Set() };
    this.#byLid.set(lid, node);
    this.#byGid.set(node.gid, node);
    return { ok: true, node };
  }

  /** Remove a node of `owner`; false when it has no such node. */
  remove(owner: number, lid: number): boolean {
    const r = this.#byLid.get(lid);
    if (!r || r.owner !== owner) return false;
    this.#byLid.delete(lid);
    this.#byGid.delete(r.gid);
    return true;
  }

  /** Remove every node of `owner` (its connection closed); returns how many. */
  removeOwner(owner: number): number {
    let n = 0;
    for (const r of [...this.#byLid.values()]) {
      if (r.owner === owner && this.remove(owner, r.lid)) n++;
    }
    return n;
  }

  /**
   * Give node `lid` of `owner` to the client that registered a node with
   * peer address `peer` (a QP moved to that process): the LID, GID, QPN base
   * and QPs stay, the owner, peer address and pid change.
   */
  move(owner: number, lid: number, peer: string): RegisterResult {
    const r = this.#byLid.get(lid);
    if (!r || r.owner !== owner) return { ok: false, code: 'ERR_NOT_OWNER', message: `LID ${lid} is not a node of this client` };
    let to: NodeRecord | undefined;
    for (const other of this.#byLid.values()) {
      if (other.peer === peer) {
        to = other;
        break;
      }
    }
    if (!to) return { ok: false, code: 'ERR_UNREACHABLE', message: `no client with a node at peer address ${peer} is connected` };
    const node: NodeRecord = { ...r, peer, pid: to.pid, owner: to.owner };
    this.#byLid.set(lid, node);
    this.#byGid.set(node.gid, node);
    return { ok: true, node };
  }

  byGid(gid: string): NodeRecord | undefined {
    return this.#byGid.get(gid);
  }

  /** Record a QP create or destroy reported by the owner of node `lid`; ignored for other owners. */
  qp(owner: number, lid: number, qpn: number, created: boolean): void {
    const r = this.#byLid.get(lid);
    if (!r || r.owner !== owner) return;
    if (created) r.qps.add(qpn);
    else r.qps.delete(qpn);
  }

  #freeLid(): number {
    const span = LAST_LID - FIRST_LID + 1;
    for (let i = 0; i < span; i++) {
      const lid = this.#nextLid;
      this.#nextLid = lid === LAST_LID ? FIRST_LID : lid + 1;
      if (!this.#byLid.has(lid)) return lid;
    }
    return 0;
  }
}
