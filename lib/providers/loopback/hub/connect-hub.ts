import { dirname } from 'node:path';
import { isLoopbackHost, ownVersionAddress, type HubAddress } from './address.js';
import { codeOf, hubUnavailable, messageOf } from './errors.js';
import { HubConnection } from './hub-connection.js';
import { HUB_PROTOCOL_VERSION } from './json-frames.js';
import { ensureRuntimeDir, runtimeDirPath } from './runtime-dir.js';
import { spawnHub } from './start-hub.js';

/** How long finding or starting a hub may take by default. */
export const CONNECT_HUB_MS = 5000;

/** Options for `connectHub`. */
export interface ConnectHubOptions {
  readonly token: string | null;
  /** Start a hub when none answers (only for Unix sockets and loopback TCP addresses). */
  readonly start: boolean;
  readonly timeoutMs?: number;
}

/** Errors that mean "no hub listens there (any more)", as opposed to "a hub refused us". */
function nobodyThere(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ERR_HUB_CLOSED';
}

/** Start another hub if the last one started this long ago and none answers yet (it may have lost a race with an exiting hub). */
const RESPAWN_MS = 300;
const MAX_SPAWNS = 5;

/** Whether a hub may be started on demand for `addr`. */
export function mayStartHub(addr: HubAddress, token: string | null): boolean {
  return addr.kind === 'unix' || (isLoopbackHost(addr.host) && token !== null);
}

const versionWarned = new Set<string>();

/**
 * Connect to the hub at `addr`, starting one when none answers and
 * `start` allows, then retrying until `timeoutMs`. Two processes starting a
 * hub at once are fine: the hub's start-up lock lets one win and the other
 * exits, and both clients connect to the winner. A hub socket in the
 * runtime directory is only used once that directory passed its checks.
 *
 * When the hub at a Unix socket speaks another protocol version (another
 * version of this library started it), this library uses a hub of its own
 * version instead, at `ownVersionAddress(addr)` (started on demand), and
 * says so once in a process warning (`VRDMA_HUB_VERSION`). The returned
 * connection's `address` tells which hub it reached.
 * @throws RdmaError `ERR_RUNTIME_DIR` for an unusable runtime directory.
 * @throws RdmaError `ERR_HUB_AUTH` when the hub refuses our token; `ERR_HUB_VERSION` when a TCP hub (or the hub of our own version's address) speaks another version.
 * @throws RdmaError `ERR_HUB_UNAVAILABLE` when no hub answered in time (with the last error).
 */
export async function connectHub(addr: HubAddress, opts: ConnectHubOptions): Promise<HubConnection> {
  try {
    return await connectAt(addr, opts);
  } catch (err) {
    if (codeOf(err) !== 'ERR_HUB_VERSION' || addr.kind !== 'unix' || !opts.start) throw err;
    const own = ownVersionAddress(addr, HUB_PROTOCOL_VERSION);
    if (!versionWarned.has(addr.text)) {
      versionWarned.add(addr.text);
      process.emitWarning(
        `${messageOf(err)}; this library (hub protocol version ${HUB_PROTOCOL_VERSION}) uses a hub of its own at ${own.text} instead: loop0 nodes of the two versions cannot reach each other`,
        { code: 'VRDMA_HUB_VERSION' },
      );
    }
    return await connectAt(own, opts);
  }
}

async function connectAt(addr: HubAddress, opts: ConnectHubOptions): Promise<HubConnection> {
  if (addr.kind === 'unix' && dirname(addr.path) === runtimeDirPath()) ensureRuntimeDir(dirname(addr.path));
  if (addr.kind === 'tcp' && opts.token === null) throw hubUnavailable(`a TCP hub (${addr.text}) needs a token: pass hubToken or set VRDMA_HUB_TOKEN`);
  const timeoutMs = opts.timeoutMs ?? CONNECT_HUB_MS;
  const start = opts.start && mayStartHub(addr, opts.token);
  const deadline = Date.now() + timeoutMs;
  const hello = { token: opts.token, role: 'client' as const };
  let spawnedAt = 0;
  let spawns = 0;
  let delay = 5;
  for (;;) {
    const left = deadline - Date.now();
    try {
      return await HubConnection.open(addr, hello, Math.max(left, 200));
    } catch (err) {
      if (!nobodyThere(err)) throw err;
      if (!start) throw hubUnavailable(`no hub listens at ${addr.text} (${messageOf(err)})`, err);
      if (Date.now() >= deadline) throw hubUnavailable(`no hub answered at ${addr.text} within ${timeoutMs} ms (${messageOf(err)})`, err);
      if (spawns === 0 || (spawns < MAX_SPAWNS && Date.now() - spawnedAt > RESPAWN_MS)) {
        spawnHub(addr, opts.token);
        spawns++;
        spawnedAt = Date.now();
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 100);
    }
  }
}
