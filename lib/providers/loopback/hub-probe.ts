import { defaultHubAddressText, ownVersionAddress, parseAddress, type HubAddress } from './hub/address.js';
import { HubConnection } from './hub/hub-connection.js';
import { codeOf, messageOf } from './hub/errors.js';
import { HUB_PROTOCOL_VERSION } from './hub/json-frames.js';

/** The outcome of `probeHub()`. */
export interface HubProbe {
  /** A hub answered. */
  readonly reachable: boolean;
  /** No hub runs there (no socket, or a stale one nothing listens on): the normal state between uses. */
  readonly absent: boolean;
  /** The hub's process id, when it answered. */
  readonly pid?: number;
  /** The address tried (socket path or tcp://host:port). */
  readonly address: string;
  /** What was found, or why it failed. */
  readonly detail: string;
  /** The hub protocol version of the hub that answered (present when `reachable`). */
  readonly version?: number;
}

/** How long a probe waits for the hub. */
const PROBE_MS = 1500;

/**
 * Check whether a loopback hub answers at `address` (default: `VRDMA_HUB`,
 * else the per-user socket), using `VRDMA_HUB_TOKEN` for a TCP hub, and
 * which hub protocol version it speaks. When a hub of another version
 * answers at a socket path, the hub this library would use instead (see
 * `ownVersionAddress`) is probed too. Never starts one; never throws.
 */
export async function probeHub(address?: string): Promise<HubProbe> {
  let text = address ?? '';
  try {
    text = address ?? defaultHubAddressText();
    const addr: HubAddress = parseAddress(text);
    text = addr.text;
    const first = await probeAt(addr);
    if (first.reachable || first.code !== 'ERR_HUB_VERSION' || addr.kind !== 'unix') return first.probe;
    const own = await probeAt(ownVersionAddress(addr, HUB_PROTOCOL_VERSION));
    return {
      ...own.probe,
      address: text,
      detail: `a hub of another protocol version answers (${first.probe.detail}); this library (protocol version ${HUB_PROTOCOL_VERSION}) uses its own at ${own.probe.address}: ${own.probe.detail}`,
    };
  } catch (err) {
    return { reachable: false, absent: false, address: text, detail: describe(err) };
  }
}

async function probeAt(addr: HubAddress): Promise<{ readonly reachable: boolean; readonly code?: string | undefined; readonly probe: HubProbe }> {
  const token = process.env['VRDMA_HUB_TOKEN'] || null;
  if (addr.kind === 'tcp' && token === null) return { reachable: false, probe: { reachable: false, absent: false, address: addr.text, detail: 'a TCP hub needs VRDMA_HUB_TOKEN' } };
  let conn: HubConnection;
  try {
    conn = await HubConnection.open(addr, { token, role: 'probe' }, PROBE_MS);
  } catch (err) {
    return { reachable: false, code: codeOf(err), probe: { reachable: false, absent: isAbsent(err), address: addr.text, detail: describe(err) } };
  }
  try {
    const s = await conn.request({ t: 'stats' }, PROBE_MS);
    const num = (k: string): number => (typeof s[k] === 'number' ? s[k] : 0);
    const detail = `hub pid ${conn.hubPid}, protocol version ${conn.hubVersion}, up ${Math.round(num('uptimeMs') / 1000)} s, `
      + `${num('clients') - 1} other client(s), ${num('nodes')} node(s), ${num('qps')} QP(s)`;
    return { reachable: true, probe: { reachable: true, absent: false, address: addr.text, pid: conn.hubPid, detail, version: conn.hubVersion } };
  } catch (err) {
    return { reachable: false, code: codeOf(err), probe: { reachable: false, absent: isAbsent(err), address: addr.text, detail: describe(err) } };
  } finally {
    conn.close();
  }
}

/** No socket, or a stale one nothing listens on. */
function isAbsent(err: unknown): boolean {
  return codeOf(err) === 'ENOENT' || codeOf(err) === 'ECONNREFUSED';
}

function describe(err: unknown): string {
  const code = codeOf(err);
  if (code === 'ENOENT') return 'no hub is running (none is needed until a loop0 context asks for one)';
  if (code === 'ECONNREFUSED') return 'nothing listens there (a stale socket or a stopped hub)';
  return messageOf(err);
}
