import { AsyncEventType } from '../../../constants/async-event.js';
import type { HubAddress } from './address.js';
import { connectHub } from './connect-hub.js';
import { HubProtocolError, codeOf, hubUnavailable, messageOf } from './errors.js';
import { intField, strField } from './fields.js';
import { gidOfLid } from './gid.js';
import type { HubConnection } from './hub-connection.js';
import type { HubNode, Registration } from './hub-node.js';
import type { PeerLocation } from './peer-transport.js';
import { CmClient } from '../cm/cm-client.js';

/** How long a client keeps trying to get back to a lost hub before saying so. */
export const REREGISTER_MS = 5000;
/** How long a later request (a new connect) tries again after that failed. */
export const RETRY_LATER_MS = 2000;

type State = 'up' | 'reconnecting' | 'down' | 'closed';

/**
 * This thread's control session with the hub: registers nodes, reports
 * their QPs, asks where GIDs live. When the hub goes away the session
 * reconnects (starting a new hub when it may), registers its nodes again
 * under the same LIDs and GIDs, and raises an async event on each node:
 * `CLIENT_REREGISTER` when that worked, `SM_CHANGE` when it did not (then
 * new connections fail with `ERR_HUB_UNAVAILABLE` until a later attempt
 * works; connections already made keep working either way).
 */
export class HubSession {
  readonly address: HubAddress;
  readonly token: string | null;
  /** This process's peer address, registered with each node. */
  readonly peerAddress: string;
  readonly #nodes = new Set<HubNode>();
  #conn: HubConnection | null;
  #state: State = 'up';
  #reconnecting: Promise<void> | null = null;
  #downReason = '';
  #held = false;
  /** The CM client of this thread's hub nodes: listeners and connects go through the hub's switchboard. */
  readonly cm: CmClient;

  constructor(address: HubAddress, token: string | null, conn: HubConnection, peerAddress: string) {
    this.address = address;
    this.token = token;
    this.peerAddress = peerAddress;
    this.#conn = conn;
    this.cm = new CmClient({
      request: async (msg) => (await this.#usable()).request(msg),
      send: (msg) => this.#conn?.send(msg),
      hold: (on) => {
        this.#held = on;
        this.#conn?.hold(on);
      },
    });
    this.#watch(conn);
  }

  /** The hub's pid, or 0 while it is unreachable. */
  get hubPid(): number {
    return this.#conn?.hubPid ?? 0;
  }

  /**
   * Register a new node (a fresh LID).
   * @throws RdmaError `ERR_HUB_UNAVAILABLE` when the hub cannot be reached; the hub's code (`ERR_HUB_FULL`) when it refuses.
   */
  async register(): Promise<Registration> {
    return this.#registerOn(await this.#usable(), undefined);
  }

  /**
   * Give the node with `lid` (its LID, GID and QPs) to the process whose
   * peer address is `peer`: the hub answers once it resolves the GID there.
   * @throws RdmaError `ERR_HUB_UNAVAILABLE` when the hub cannot be asked; the hub's code (`ERR_NOT_OWNER`, `ERR_UNREACHABLE`) when it refuses.
   */
  async handOver(lid: number, peer: string): Promise<void> {
    await (await this.#usable()).request({ t: 'move', lid, peer });
  }

  /** Start reporting for `node` and re-register it after a hub restart. */
  attach(node: HubNode): void {
    this.#nodes.add(node);
  }

  /** Forget `node` and tell the hub (no answer awaited), unless its LID was handed to another process. */
  detach(node: HubNode): void {
    if (!this.#nodes.delete(node) || node.movedAway) return;
    this.#conn?.send({ t: 'unregister', lid: node.lid });
  }

  /** Tell the hub a QP was created or destroyed on node `lid` (no answer awaited). */
  reportQp(lid: number, op: 'create' | 'destroy', qpn: number): void {
    this.#conn?.send({ t: 'qp', lid, qpn, op });
  }

  /**
   * Where `gid` lives, or null when the hub knows no such node.
   * @throws RdmaError `ERR_HUB_UNAVAILABLE` when the hub cannot be reached (after one more try).
   */
  async locate(gid: string): Promise<PeerLocation | null> {
    let conn = await this.#usable();
    let m;
    try {
      m = await conn.request({ t: 'resolve', gid });
    } catch (err) {
      if (codeOf(err) !== 'ERR_HUB_UNAVAILABLE' || this.#state === 'closed') throw err;
      conn = await this.#usable();
      m = await conn.request({ t: 'resolve', gid });
    }
    if (m['found'] !== true) return null;
    return { peer: strField(m, 'peer', 512), lid: intField(m, 'lid', 1, 0xffff) };
  }

  /** End the session; idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.cm.lost('the hub session is closed');
    this.#conn?.close();
    this.#conn = null;
    this.#nodes.clear();
  }

  /** A connection to use now: waits out a reconnect; after a failed one, tries again once. */
  async #usable(): Promise<HubConnection> {
    if (this.#state === 'reconnecting') await this.#reconnecting;
    if (this.#state === 'down') {
      this.#reconnect(null, RETRY_LATER_MS);
      await this.#reconnecting;
    }
    if (this.#state === 'closed') throw hubUnavailable('the hub session is closed');
    if (this.#state !== 'up' || !this.#conn) throw hubUnavailable(this.#downReason);
    return this.#conn;
  }

  async #registerOn(conn: HubConnection, reclaim: number | undefined): Promise<Registration> {
    const m = await conn.request({ t: 'register', peer: this.peerAddress, ...(reclaim === undefined ? {} : { reclaim }) });
    const lid = intField(m, 'lid', 1, 0xffff);
    const gid = strField(m, 'gid', 64);
    const qpnBase = intField(m, 'qpnBase', 0, 0xff_ffff);
    if (gid !== gidOfLid(lid)) throw new HubProtocolError(`the hub assigned GID ${gid} to LID ${lid}, which this client does not understand`);
    return { lid, gid, qpnBase };
  }

  #watch(conn: HubConnection): void {
    conn.hold(this.#held);
    conn.onNotice = (msg) => this.cm.handle(msg);
    conn.onLost = (reason) => {
      this.cm.lost(reason);
      if (this.#conn === conn) this.#conn = null;
      if (this.#state === 'up') this.#reconnect(reason, REREGISTER_MS);
    };
  }

  /** @param reason why the hub was lost, or null for a later retry (which raises no events when it fails). */
  #reconnect(reason: string | null, budgetMs: number): void {
    if (this.#state === 'closed' || this.#state === 'reconnecting') return;
    this.#state = 'reconnecting';
    this.#reconnecting = this.#reregister(reason, budgetMs).finally(() => {
      this.#reconnecting = null;
    });
  }

  async #reregister(lost: string | null, budgetMs: number): Promise<void> {
    const deadline = Date.now() + budgetMs;
    const reason = lost ?? 'it was unreachable';
    let last = reason;
    while (this.#state === 'reconnecting') {
      const left = deadline - Date.now();
      if (left <= 0) break;
      let conn: HubConnection;
      try {
        conn = await connectHub(this.address, { token: this.token, start: true, timeoutMs: left });
      } catch (err) {
        last = messageOf(err);
        await new Promise((r) => setTimeout(r, Math.min(200, Math.max(deadline - Date.now(), 0))));
        continue;
      }
      if (this.#state !== 'reconnecting') {
        conn.close();
        return;
      }
      this.#conn = conn;
      this.#watch(conn);
      this.#state = 'up';
      await this.#reclaimAll(conn, reason);
      return;
    }
    if (this.#state !== 'reconnecting') return;
    this.#state = 'down';
    this.#downReason = lost === null
      ? `the hub at ${this.address.text} is still unreachable: ${last}`
      : `the hub at ${this.address.text} was lost (${lost}) and could not be reached again: ${last}`;
    if (lost === null) return;
    for (const node of this.#nodes) {
      node.onAsyncEvent({
        type: AsyncEventType.SM_CHANGE, typeName: 'SM_CHANGE', port: 1,
        detail: `${this.#downReason}; connections already made keep working, new ones fail until the hub is back`,
      });
    }
  }

  async #reclaimAll(conn: HubConnection, reason: string): Promise<void> {
    for (const node of [...this.#nodes]) {
      try {
        const reg = await this.#registerOn(conn, node.lid);
        for (const qpn of node.qps.keys()) conn.send({ t: 'qp', lid: reg.lid, qpn, op: 'create' });
        node.onAsyncEvent({
          type: AsyncEventType.CLIENT_REREGISTER, typeName: 'CLIENT_REREGISTER', port: 1,
          detail: `the loopback hub was lost (${reason}); registered again with the hub (pid ${conn.hubPid}) keeping LID ${node.lid} and GID ${node.gid}`,
        });
      } catch (err) {
        node.onAsyncEvent({
          type: AsyncEventType.SM_CHANGE, typeName: 'SM_CHANGE', port: 1,
          detail: `the loopback hub was lost (${reason}) and the new one (pid ${conn.hubPid}) refused LID ${node.lid}: ${messageOf(err)}; new peers cannot find this node`,
        });
      }
    }
  }
}
