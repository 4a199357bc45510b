/**
 * The test QPs of a `-R` run, connected through rdma_cm as perftest does it
 * once the exchange's preamble is over: a sync step (a handshake of an
 * empty record), then one rdma_cm connection per QP on the test's port (the
 * server listens there again, the exchange's listener being closed), then
 * another sync step. The CM moves the QPs to RTS: the records exchanged
 * afterwards serve only for the remote addresses and keys.
 */
import type { CmConnectOptions, CmId } from '../cm/cm-id.js';
import type { Context } from '../context.js';
import { PerfRig, type PerfRigPlan } from './rig.js';
import type { PerfRole } from './latency.js';
import type { PeerKeys } from './wire/keys.js';
import type { PerftestSession } from './wire/session.js';
import { acceptCmQp, connectCmQp, hangUp, ipv4Of } from './wire/cm-connect.js';

/** How long a client keeps trying while the server's test listener is not up yet. */
const CONNECT_MS = 10_000;
/** How long a server waits for each of the client's connection requests. */
const ACCEPT_MS = 60_000;
/** How long a hang-up waits for the peer's answer. */
const HANG_UP_MS = 2000;

/** The record perftest swaps in its sync steps around the rdma_cm connect: all zeros. */
const EMPTY_RECORD: PeerKeys = { lid: 0, outReads: 0, qpn: 0, psn: 0, rkey: 0, vaddr: 0n, gid: null, srqn: 0 };

/** What `connectTestQps` needs. */
export interface TestQpsPlan {
  readonly ctx: Context;
  readonly session: PerftestSession;
  readonly plan: PerfRigPlan;
  readonly withGid: boolean;
  readonly role: PerfRole;
  /** The server's address (client side). */
  readonly host: string | undefined;
  readonly port: number;
  /** The test reads or runs atomics: both sides then offer `plan.outReads` in flight each way (perftest's conn_param). */
  readonly reads: boolean;
  /** Where the connected ids go (the caller hangs them up at the end, also on failure). */
  readonly ids: CmId[];
}

/**
 * Build the rig with its QPs connected through rdma_cm (see the file's comment).
 * @throws RdmaError `ERR_PERF_CONNECT` when the peer's connections do not come or are never listened for.
 * @throws whatever `CmId` and the exchange throw.
 */
export async function connectTestQps(p: TestQpsPlan): Promise<PerfRig> {
  const depth = p.reads ? p.plan.outReads : 0;
  const conn: CmConnectOptions = { responderResources: depth, initiatorDepth: depth, retryCount: 7, rnrRetryCount: 7 };
  let listener: CmId | null = null;
  try {
    if (p.role === 'server') {
      // Listening before answering the sync step: the client connects right after it.
      listener = p.ctx.createCmId();
      listener.bind({ address: '0.0.0.0', port: p.port });
      await listener.listen(p.plan.qps);
    }
    await p.session.handshake(EMPTY_RECORD);
    const address = p.role === 'client' ? await ipv4Of(p.host!) : '';
    const rig = await PerfRig.createConnected(p.ctx, p.plan, p.withGid, async (pd, init) => {
      const id = listener === null
        ? await connectCmQp(p.ctx, address, p.port, pd, init, conn, Date.now() + CONNECT_MS)
        : await acceptCmQp(listener, pd, init, conn, ACCEPT_MS);
      p.ids.push(id);
      return id.qp!;
    });
    listener?.close();
    await p.session.handshake(EMPTY_RECORD);
    return rig;
  } finally {
    listener?.close();
  }
}

/**
 * Disconnect every id and close them: a client at once, a server once its
 * client has (or after a short wait), as perftest's sides do. Never throws.
 */
export async function hangUpAll(ids: readonly CmId[], role: PerfRole): Promise<void> {
  await Promise.all(ids.map((id) => hangUp(id, HANG_UP_MS, role === 'server')));
}
