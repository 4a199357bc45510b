/**
 * Connecting one RC queue pair through rdma_cm the way perftest's `-R` does,
 * for its exchange connection and for each test QP: the client resolves
 * the server's address and route, creates the QP on the id and connects,
 * trying again while nobody listens yet (perftest's server opens its test
 * listener only after a sync step); the server takes the next
 * CONNECT_REQUEST from its listener, creates the QP on its id and accepts.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CmEventType, CmRejectReason } from '../../constants/cm-event.js';
import { ConnectionRejectedError } from '../../errors/connection-rejected-error.js';
import { RdmaError } from '../../errors/rdma-error.js';
import type { CmConnectOptions, CmId } from '../../cm/cm-id.js';
import type { Context } from '../../context.js';
import type { ProtectionDomain, QueuePairInit } from '../../protection-domain.js';
import type { QueuePair } from '../../queue-pair.js';
import { sleep } from '../clock.js';

/** A QP's creation options, less its type (always RC). */
export type CmQpInit = Omit<QueuePairInit, 'type'>;

/** How long address and route resolution may take, each (perftest's 2 s). */
const RESOLVE_MS = 2000;
/** Pause between connects nobody listened to. */
const RETRY_PAUSE_MS = 100;

/**
 * The IPv4 address of `host` (a numeric address as it is; a name looked up).
 * @throws RdmaError `ERR_PERF_CONNECT` for a name that does not resolve.
 */
export async function ipv4Of(host: string): Promise<string> {
  if (isIP(host) !== 0) return host;
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch (err) {
    throw new RdmaError('ERR_PERF_CONNECT', `cannot resolve ${host}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Connect a new id of `ctx` to `address:port`, with its QP made on `pd`;
 * `beforeConnect` runs once the QP exists (to post receives). Rejections
 * for want of a listener are retried until `deadline` (epoch ms).
 * @throws RdmaError `ERR_PERF_CONNECT` when nobody listened by the deadline.
 * @throws whatever `CmId` throws for other failures (resolution, rejection by the peer, timeouts).
 */
export async function connectCmQp(
  ctx: Context, address: string, port: number, pd: ProtectionDomain, init: CmQpInit, conn: CmConnectOptions, deadline: number,
  beforeConnect: (qp: QueuePair) => void = () => {},
): Promise<CmId> {
  for (;;) {
    const id = ctx.createCmId();
    try {
      await id.resolveAddr({ address, port }, { timeoutMs: RESOLVE_MS });
      await id.resolveRoute({ timeoutMs: RESOLVE_MS });
      beforeConnect(id.createQp(pd, init));
      await id.connect(conn);
      return id;
    } catch (err) {
      id.close();
      if (!(err instanceof ConnectionRejectedError) || err.reason !== CmRejectReason.INVALID_SERVICE_ID) throw err;
      if (Date.now() >= deadline) throw new RdmaError('ERR_PERF_CONNECT', `nobody listens for rdma_cm connections on ${address}:${port}`, { cause: err });
      await sleep(RETRY_PAUSE_MS);
    }
  }
}

/**
 * Take the next connection request on `listener`, make its QP on `pd`, run
 * `beforeAccept`, accept; resolves with the connected id.
 * @throws RdmaError `ERR_PERF_CONNECT` when no request came within `timeoutMs`.
 * @throws whatever `CmId` throws when the accept fails.
 */
export async function acceptCmQp(
  listener: CmId, pd: ProtectionDomain, init: CmQpInit, conn: CmConnectOptions, timeoutMs: number,
  beforeAccept: (qp: QueuePair) => void = () => {},
): Promise<CmId> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), Math.max(0, left)); });
    const ev = await Promise.race([listener.nextEvent(), timeout]).finally(() => clearTimeout(timer));
    if (ev === null) throw new RdmaError('ERR_PERF_CONNECT', `no rdma_cm connection request within ${Math.round(timeoutMs / 1000)} s`);
    if (ev.type !== CmEventType.CONNECT_REQUEST || ev.id === null) continue;
    const id = ev.id;
    try {
      beforeAccept(id.createQp(pd, init));
      await id.accept(conn);
      return id;
    } catch (err) {
      id.close();
      throw err;
    }
  }
}

/**
 * End the connection of `id`, then close it. `passive`: first wait up to
 * `timeoutMs` for the peer to disconnect (a server lets its client hang up
 * first, as perftest's client does once its last completion is in, so that
 * nothing of the client's is cut off); then disconnect, waiting at most
 * `timeoutMs` for the answer. Never throws: the test is over by then.
 */
export async function hangUp(id: CmId, timeoutMs: number, passive = false): Promise<void> {
  try {
    if (passive) await untilOrTimeout(peerHungUp(id), timeoutMs);
    if (id.state === 'connected' || id.state === 'disconnected') await untilOrTimeout(id.disconnect(), timeoutMs);
  } catch {
    // closing is all that is left to do
  }
  id.close();
}

/** Resolves when `id` sees DISCONNECTED (or closes). */
async function peerHungUp(id: CmId): Promise<void> {
  while (id.state === 'connected') {
    const ev = await id.nextEvent();
    if (ev.type === CmEventType.DISCONNECTED) return;
  }
}

async function untilOrTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, ms); });
  try {
    await Promise.race([p.then(() => {}, () => {}), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
