import type { CmId } from '../../cm/cm-id.js';
import { AbortedError } from '../../errors/aborted-error.js';
import { TimeoutError } from '../../errors/timeout-error.js';
import { Connection, type ConnectionParts } from '../connection.js';
import { CmLink } from './cm-link.js';
import { decodeCmHelloHead, encodeCmHello } from './cm-hello.js';
import { swapRest } from './swap-rest.js';

/** How one side meets the other through the CM. */
export interface CmHandshake {
  /** The verb, for a timeout's message: `rdma_connect`, `rdma_accept`. */
  readonly verb: string;
  /** Private data bytes the verb carries at most. */
  readonly limit: number;
  /** Connect or accept with our hello; resolves to the peer's private data (an accept's), or null. */
  readonly run: (privateData: Uint8Array) => Promise<Uint8Array | null>;
  /** The peer's private data when it came first (a CONNECT_REQUEST's). */
  readonly peerRequest?: Uint8Array | null;
}

/**
 * Set a Connection up over `id` (its QP made with `buildParts(s, id)`):
 * post the receives, hand our hello (as much as the handshake's private
 * data holds) to `handshake.run`, read the peer's (the accept's, or the
 * request's), swap what did not fit, and start the
 * Connection. On failure the parts (and the id) are released.
 * @throws TimeoutError when `handshake` or the swap takes longer than `timeoutMs`.
 * @throws AbortedError when `signal` fires first.
 * @throws ExchangeError `ERR_EXCHANGE_MALFORMED` / `ERR_EXCHANGE_VERSION` for a peer that is not a Connection of this layout.
 * @throws the CM's errors (`ConnectionRejectedError`, `VerbsError`, ...) and `WorkCompletionError` while swapping.
 */
export async function establishOverCm(parts: ConnectionParts, id: CmId, handshake: CmHandshake,
  timeoutMs: number, signal: AbortSignal | undefined, payload: Uint8Array): Promise<Connection> {
  try {
    Connection.postReceives(parts);
    const { privateData, rest } = encodeCmHello({ regions: parts.regions.map((r) => r.toRemote()), recvBytes: parts.messageSize, payload }, handshake.limit);
    const answered = await bounded(handshake.run(privateData), id, timeoutMs, signal, handshake.verb);
    const head = decodeCmHelloHead(handshake.peerRequest ?? answered);
    const { peer, arrivals } = await swapRest(parts, head, rest, timeoutMs);
    return new Connection(parts, new CmLink(id), peer, arrivals);
  } catch (err) {
    parts.release();
    throw err;
  }
}

/** `p`, unless `timeoutMs` passes or `signal` fires first: then the id is closed (ending `p`) and that is the error. */
async function bounded<T>(p: Promise<T>, id: CmId, timeoutMs: number, signal: AbortSignal | undefined, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { id.close(); reject(new TimeoutError(operation, timeoutMs)); }, timeoutMs);
    timer.unref();
    onAbort = (): void => { id.close(); reject(new AbortedError(operation, signal?.reason)); };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  p.catch(() => {});
  try {
    return await Promise.race([p, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
