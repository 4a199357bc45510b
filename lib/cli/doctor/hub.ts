import type { Check } from './check.js';
import { probeHub } from '../../providers/loopback/hub-probe.js';

/** Whether a loopback hub answers (`probeHub()`); not reachable is a warning, never a failure. */
export const checkHub: Check = async () => {
  const id = 'loopback-hub';
  const title = 'loopback hub reachable';
  try {
    const probe = await probeHub();
    const where = probe.address ? ` at ${probe.address}` : '';
    if (probe.reachable) return { id, title, status: 'ok', detail: `hub answers${where}: ${probe.detail}` };
    return {
      id, title, status: 'warn',
      detail: `no hub${where}: ${probe.detail}`,
      fix: 'only loopback devices shared between processes need a hub; devices opened with { hub: false } work without one',
    };
  } catch (err) {
    return { id, title, status: 'warn', detail: `probing the hub failed: ${err instanceof Error ? err.message : String(err)}` };
  }
};
