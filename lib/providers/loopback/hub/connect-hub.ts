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

/** Start another hub if the last one started this long ago, has exited and none answers yet (it may have lost a race with an exiting hub). */
const RESPAWN_MS = 300;
const MAX_SPAWNS = 5;

/** How long a hub this process started may take to answer while it is still running, by default. */
export const HUB_START_MS = 30_000;

/**
 * How long to wait for a hub this process started, as long as it runs:
 * `VRDMA_HUB_START_MS` (1 s .. 10 min), else `HUB_START_MS`. Starting Node
 * takes seconds on an emulated or overloaded CPU.
 */
export function hubStartMs(): number {
  const n = Number(process.env['VRDMA_HUB_START_MS']);
  return Number.isInteger(n) && n >= 1000 && n <= 600_000 ? n : HUB_START_MS;
}

/** Whether process `pid` still exists (a hub we started and that has not exited). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return codeOf(err) === 'EPERM';
  }
}

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
  // Without a caller's deadline, a hub we started is waited for while it runs.
  const startMs = opts.timeoutMs === undefined ? hubStartMs() : 0;
  const hello = { token: opts.token, role: 'client' as const };
  let spawnedAt = 0;
  let spawnedPid = 0;
  let spawns = 0;
  let delay = 5;
  for (;;) {
    const left = deadline - Date.now();
    try {
      return await HubConnection.open(addr, hello, Math.max(left, 200));
    } catch (err) {
      if (!nobodyThere(err)) throw err;
      if (!start) throw hubUnavailable(`no hub listens at ${addr.text} (${messageOf(err)})`, err);
      const starting = spawnedPid !== 0 && running(spawnedPid);
      if (Date.now() >= deadline && !(starting && Date.now() < spawnedAt + startMs)) {
        const waited = starting ? `within ${Math.max(timeoutMs, Date.now() - spawnedAt)} ms (the hub it started, pid ${spawnedPid}, is still starting)` : `within ${timeoutMs} ms`;
        throw hubUnavailable(`no hub answered at ${addr.text} ${waited} (${messageOf(err)})`, err);
      }
      if (spawns === 0 || (spawns < MAX_SPAWNS && Date.now() - spawnedAt > RESPAWN_MS && !starting)) {
        spawnedPid = spawnHub(addr, opts.token);
        spawns++;
        spawnedAt = Date.now();
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 100);
    }
  }
}
