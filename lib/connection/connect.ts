import { checkInt } from '../validate/numbers.js';
import { connectOverCm } from './cm/cm-connect.js';
import { checkCmTarget, checkVia, type ConnectionVia } from './via.js';
import { toConnectionSettings, type ConnectionOptions } from './connection-options.js';
import { checkAddress, type ExchangeAddress } from './exchange/address.js';
import { dial } from './exchange/dial.js';
import { FrameStream } from './exchange/frame-stream.js';
import { ExchangeLink } from './exchange/exchange-link.js';
import { buildParts } from './build-parts.js';
import { establish } from './establish.js';
import type { Connection } from './connection.js';

/** Options for `connect()`: where the listener is, how long to keep trying, and the `ConnectionOptions`. */
export interface DialOptions extends ConnectionOptions {
  /** The listener's host; default `127.0.0.1`. */
  readonly host?: string;
  /** The listener's TCP port (1..65535). */
  readonly port?: number;
  /** The listener's Unix socket path, instead of a port. */
  readonly path?: string;
  /** Keep trying to reach the listener this long (it may start later), in ms; default `timeoutMs`. */
  readonly connectTimeoutMs?: number;
  /** Wait between tries, in ms; default 100. */
  readonly retryMs?: number;
  /** How to reach the listener: `'exchange'` (the default) or `'cm'` (rdma_cm; `host` is then an IP address the device reaches). */
  readonly via?: ConnectionVia;
}

const DIAL_OPTIONS = { host: 'string', port: 'integer', path: 'string', connectTimeoutMs: 'integer', retryMs: 'integer', via: 'string' } as const;

/**
 * Connect to a `listen()`ing peer: reach its socket (trying again until
 * `connectTimeoutMs` while nobody listens), swap endpoints and regions over
 * the out-of-band exchange, connect the RC QP, and confirm both sides are
 * ready. With `via: 'cm'` the connection manager does it instead: it
 * resolves `host` to a device and route, connects the QP, and the hellos
 * travel as private data (and, what does not fit, as the first SENDs).
 * @throws InvalidArgumentError for a bad address or option (before anything is opened; with `via: 'cm'` also a path, a host name or `qp`).
 * @throws ExchangeError `ERR_EXCHANGE_UNREACHABLE` when nobody listens by the deadline, or another `ERR_EXCHANGE_*` when the exchange fails (see docs/connections.md).
 * @throws with `via: 'cm'`: ConnectionRejectedError when the listener rejected (reason 28) or nobody listened by the deadline (reason 8); TimeoutError when resolving, connecting or the hello swap outlasts `timeoutMs`; VerbsError, RdmaError `ERR_WRONG_DEVICE`, UnsupportedError as `CmId` has them.
 * @throws AbortedError when `options.signal` fires.
 * @throws RdmaError / VerbsError from opening the device, creating the objects or connecting the QP.
 */
export async function connect(options: DialOptions): Promise<Connection> {
  const s = toConnectionSettings('connect()', options, DIAL_OPTIONS);
  const via = checkVia(options.via);
  const address = checkAddress('options', options as ExchangeAddress, false);
  const deadline = Date.now() + checkInt('options.connectTimeoutMs', options.connectTimeoutMs ?? s.timeoutMs, 1, 2 ** 31 - 1);
  const retry = checkInt('options.retryMs', options.retryMs ?? 100, 1, 60_000);
  if (via === 'cm') return connectOverCm(checkCmTarget(address, s), s, deadline, retry);
  const parts = await buildParts(s);
  let stream: FrameStream;
  try {
    stream = new FrameStream(await dial(address, deadline, retry, s.signal), s.maxFrameBytes);
  } catch (err) {
    parts.release();
    throw err;
  }
  return establish(parts, new ExchangeLink(stream), s);
}
