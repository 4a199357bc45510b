import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { probeHub, type HubProbe } from '../../providers/loopback/hub-probe.js';
import { isLoopbackHost, parseAddress, type HubAddress } from '../../providers/loopback/hub/address.js';
import { hubMainPath } from '../../providers/loopback/hub/start-hub.js';
import { RdmaError } from '../../errors/rdma-error.js';

/** How long start and stop wait for the hub to answer, or to stop answering. */
const SETTLE_MS = 5000;

async function waitUntil(address: string, want: (p: HubProbe) => boolean): Promise<HubProbe | undefined> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const probe = await probeHub(address);
    if (want(probe)) return probe;
    if (Date.now() > deadline) return undefined;
    await sleep(100);
  }
}

/**
 * Start a hub at `addr` detached from this process, running until stopped
 * (`idleMs` 0) or idle that long, unless one already answers there.
 * Resolves with the probe of the running hub.
 * @throws RdmaError `ERR_HUB_TOKEN` for a TCP address without `VRDMA_HUB_TOKEN`;
 *   `ERR_HUB_UNAVAILABLE` when the hub program is missing or the hub does not answer in 5 s.
 */
export async function startHub(addr: HubAddress, idleMs: number): Promise<{ probe: HubProbe; started: boolean }> {
  const before = await probeHub(addr.text);
  if (before.reachable) return { probe: before, started: false };
  if (addr.kind === 'tcp' && !process.env['VRDMA_HUB_TOKEN']) {
    throw new RdmaError('ERR_HUB_TOKEN', `a TCP hub needs a shared token: set VRDMA_HUB_TOKEN in the environment of the hub and of every client (${addr.text})`);
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NODE_OPTIONS'];
  const child = spawn(process.execPath, [hubMainPath(), '--listen', addr.text, '--idle-ms', String(idleMs)], {
    detached: true, stdio: 'ignore', env, cwd: '/',
  });
  child.on('error', () => {});
  child.unref();
  const probe = await waitUntil(addr.text, (p) => p.reachable);
  if (probe === undefined) {
    throw new RdmaError('ERR_HUB_UNAVAILABLE', `the hub started for ${addr.text} did not answer within ${SETTLE_MS / 1000} s (set VRDMA_HUB_LOG=<file> to keep its log)`);
  }
  return { probe, started: true };
}

/**
 * Stop the hub answering at `addr` (SIGTERM to its process) and wait until
 * it no longer answers. Resolves with what was found before; `stopped` is
 * false when no hub was running.
 * @throws RdmaError `ERR_HUB_REMOTE` for a hub on another host;
 *   `ERR_HUB_UNAVAILABLE` when it cannot be signalled or still answers after 5 s.
 */
export async function stopHub(addr: HubAddress): Promise<{ probe: HubProbe; stopped: boolean }> {
  const probe = await probeHub(addr.text);
  if (!probe.reachable || probe.pid === undefined) return { probe, stopped: false };
  if (addr.kind === 'tcp' && !isLoopbackHost(addr.host)) {
    throw new RdmaError('ERR_HUB_REMOTE', `the hub at ${addr.text} may run on another host: stop it there`);
  }
  try {
    process.kill(probe.pid, 'SIGTERM');
  } catch (err) {
    throw new RdmaError('ERR_HUB_UNAVAILABLE', `cannot signal the hub (pid ${probe.pid}): ${err instanceof Error ? err.message : String(err)}`);
  }
  if ((await waitUntil(addr.text, (p) => !p.reachable)) === undefined) {
    throw new RdmaError('ERR_HUB_UNAVAILABLE', `the hub (pid ${probe.pid}) still answers ${SETTLE_MS / 1000} s after SIGTERM`);
  }
  return { probe, stopped: true };
}

/** The hub address a command line names (`--listen`), else the default one. @throws InvalidArgumentError for a malformed one. */
export function hubAddressOf(text: string | undefined, fallback: string): HubAddress {
  return parseAddress(text ?? fallback, '--listen');
}
