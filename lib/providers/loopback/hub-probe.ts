import { defaultHubAddressText, parseAddress, type HubAddress } from './hub/address.js';
import { HubConnection } from './hub/hub-connection.js';
import { messageOf } from './hub/errors.js';

/** The outcome of `probeHub()`. */
export interface HubProbe {
  readonly reachable: boolean;
  /** The address tried (socket path or tcp://host:port). */
  readonly address: string;
  /** What was found, or why it failed. */
  readonly detail: string;
}

/** How long a probe waits for the hub. */
const PROBE_MS = 1500;

/**
 * Check whether a loopback hub answers at `address` (default: `VRDMA_HUB`,
 * else the per-user socket), using `VRDMA_HUB_TOKEN` for a TCP hub. Never
 * starts one; never throws.
 */
export async function probeHub(address?: string): Promise<HubProbe> {
  let text = address ?? '';
  try {
    text = address ?? defaultHubAddressText();
    const addr: HubAddress = parseAddress(text);
    text = addr.text;
    const token = process.env['VRDMA_HUB_TOKEN'] || null;
    if (addr.kind === 'tcp' && token === null) return { reachable: false, address: text, detail: 'a TCP hub needs VRDMA_HUB_TOKEN' };
    const conn = await HubConnection.open(addr, { token, role: 'probe' }, PROBE_MS);
    try {
      const s = await conn.request({ t: 'stats' }, PROBE_MS);
      const num = (k: string): number => (typeof s[k] === 'number' ? s[k] : 0);
      return {
        reachable: true, address: text,
        detail: `hub pid ${conn.hubPid}, up ${Math.round(num('uptimeMs') / 1000)} s, ${num('clients') - 1} other client(s), ${num('nodes')} node(s), ${num('qps')} QP(s)`,
      };
    } finally {
      conn.close();
    }
  } catch (err) {
    return { reachable: false, address: text, detail: describe(err) };
  }
}

function describe(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  if (code === 'ENOENT') return 'no hub is running (none is needed until a loop0 context asks for one)';
  if (code === 'ECONNREFUSED') return 'nothing listens there (a stale socket or a stopped hub)';
  return messageOf(err);
}
