import type { CmId } from '../../cm/cm-id.js';
import { openDevice } from '../../devices.js';
import { CmPrivateDataLimit, CmRejectReason } from '../../constants/cm-event.js';
import { ConnectionRejectedError } from '../../errors/connection-rejected-error.js';
import { AbortedError } from '../../errors/aborted-error.js';
import type { ConnectionSettings } from '../connection-options.js';
import type { Connection, ConnectionParts } from '../connection.js';
import { buildParts } from '../build-parts.js';
import { establishOverCm } from './cm-establish.js';

/** The longest resolution a CM id takes, in ms. */
const MAX_RESOLVE_MS = 60_000;

/**
 * Connect to a `listen({ via: 'cm' })`ing peer through rdma_cm: resolve its
 * address and route, create the QP on the CM id, connect with our hello in
 * the private data. While nobody listens on the port (REJECTED, reason 8)
 * it tries again every `retryMs` until `deadline`.
 * @throws ConnectionRejectedError when the peer rejected, or nobody listened by the deadline.
 * @throws TimeoutError when resolving, connecting or the swap after it took longer than `timeoutMs`.
 * @throws AbortedError when `s.signal` fires.
 * @throws VerbsError, RdmaError `ERR_WRONG_DEVICE` and the other errors of `CmId`; ExchangeError for a peer that is not a Connection.
 */
export async function connectOverCm(address: CmTarget, s: ConnectionSettings, deadline: number, retryMs: number): Promise<Connection> {
  for (;;) {
    try {
      return await attempt(address, s);
    } catch (err) {
      const nobody = err instanceof ConnectionRejectedError && err.reason === CmRejectReason.INVALID_SERVICE_ID;
      if (!nobody || Date.now() + retryMs > deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}

type CmTarget = { readonly host: string; readonly port: number };

/** One try, on a device of its own unless `s.context` is given; whatever it opened is closed again when it fails. */
async function attempt(address: CmTarget, s: ConnectionSettings): Promise<Connection> {
  if (s.signal?.aborted) throw new AbortedError('connect()', s.signal.reason);
  const context = s.context ?? await openDevice(s.device, s.openOptions);
  const closeContext = (): void => { if (s.context === null) context.close(); };
  let parts: ConnectionParts;
  let id: CmId;
  try {
    id = context.createCmId();
    try {
      const resolveMs = Math.min(s.timeoutMs, MAX_RESOLVE_MS);
      await id.resolveAddr({ address: address.host, port: address.port }, { timeoutMs: resolveMs });
      await id.resolveRoute({ timeoutMs: resolveMs });
    } catch (err) {
      id.close();
      throw err;
    }
    const built = await buildParts(s, id);
    parts = { ...built, release: () => { built.release(); closeContext(); } };
  } catch (err) {
    closeContext();
    throw err;
  }
  return establishOverCm(parts, id, {
    verb: 'rdma_connect',
    limit: CmPrivateDataLimit.CONNECT,
    run: async (privateData) => (await id.connect({ privateData })).privateData,
  }, s.timeoutMs, s.signal, s.payload);
}
