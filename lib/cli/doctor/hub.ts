import type { Check } from './check.js';
import { probeHub } from '../../providers/loopback/hub-probe.js';
import { troubleshootingLink } from './troubleshooting.js';

/**
 * Whether a loopback hub answers (`probeHub()`). None running is normal (the
 * first loop0 context of a user starts one); a hub that cannot be asked
 * warns; never a failure.
 */
export const checkHub: Check = async () => {
  const id = 'loopback-hub';
  const title = 'loopback hub';
  try {
    const probe = await probeHub();
    const where = probe.address ? ` at ${probe.address}` : '';
    if (probe.reachable) return { id, title, status: 'ok', detail: `hub answers${where}: ${probe.detail}` };
    if (probe.absent) return { id, title, status: 'ok', detail: `no hub running${where}: normal, the first loop0 context of this user starts one` };
    return {
      id, title, status: 'warn',
      detail: `no hub${where}: ${probe.detail}`,
      fix: 'only loopback devices shared between processes need a hub; devices opened with { hub: false } work without one',
      help: troubleshootingLink('loopback-hub'),
    };
  } catch (err) {
    return { id, title, status: 'warn', detail: `probing the hub failed: ${err instanceof Error ? err.message : String(err)}` };
  }
};
