import { Access, QpType, openDevice, type CompletionQueue, type ConnectOptions, type Context, type Endpoint, type ProtectionDomain, type QueuePair } from '../../lib/index.js';
import type { PeerWorker } from './harness.js';

/** A loop0 context of the test's own (main) thread. */
export interface Local {
  readonly ctx: Context;
  readonly pd: ProtectionDomain;
  readonly cq: CompletionQueue;
  qp(type?: number): QueuePair;
}

/** Open loop0 without a hub in this thread. */
export async function openLocal(cqDepth = 4096): Promise<Local> {
  const ctx = await openDevice('loop0', { hub: false });
  const pd = ctx.allocPd();
  const cq = ctx.createCq({ depth: cqDepth });
  return {
    ctx, pd, cq,
    qp: (type = QpType.RC) => pd.createQp({ type, sendCq: cq, maxSendWr: 16384, maxRecvWr: 16384, maxSge: 8 }),
  };
}

/** Every access bit a region of the tests needs. */
export const ALL_ACCESS = Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ | Access.REMOTE_ATOMIC;

/**
 * A connected RC pair: a new QP of `local` in this thread, and the worker's
 * QP named `name`. Returns this thread's side.
 */
export async function pairWithWorker(local: Local, w: PeerWorker, options: ConnectOptions = {}, name = 'b'): Promise<QueuePair> {
  const a = local.qp();
  const remote = (await w.call('qp', { name })) as Endpoint;
  await w.call('connect', { name, remote: a.endpoint() });
  await a.connect(remote, options);
  return a;
}
