import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HubAddress } from './address.js';
import { hubUnavailable } from './errors.js';

/**
 * The path of the compiled hub program: `hub-main.js` beside this module,
 * or, when this module runs from its TypeScript source, the copy under
 * `dist/` of the same package.
 * @throws RdmaError `ERR_HUB_UNAVAILABLE` when neither exists (the package is not built).
 */
export function hubMainPath(): string {
  const here = fileURLToPath(import.meta.url);
  const beside = join(dirname(here), 'hub-main.js');
  if (existsSync(beside)) return beside;
  const marker = `${sep}lib${sep}providers${sep}loopback${sep}hub${sep}`;
  const i = here.lastIndexOf(marker);
  if (i >= 0) {
    const built = join(here.slice(0, i), 'dist', 'lib', 'providers', 'loopback', 'hub', 'hub-main.js');
    if (existsSync(built)) return built;
  }
  throw hubUnavailable(`the hub program ${beside} is missing (build the package first)`);
}

/**
 * Start a hub for `addr`, detached from this process (its own session, no
 * stdio, not waited for), with this Node.js binary. Returns its pid. The
 * token travels in the environment, never on the command line. A hub that
 * finds another one serving the address exits at once.
 * @throws RdmaError `ERR_HUB_UNAVAILABLE` when the hub program is missing or cannot be spawned.
 */
export function spawnHub(addr: HubAddress, token: string | null): number {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NODE_OPTIONS'];
  if (token) env['VRDMA_HUB_TOKEN'] = token;
  const child = spawn(process.execPath, [hubMainPath(), '--listen', addr.text, '--on-demand'], {
    detached: true, stdio: 'ignore', env, cwd: '/',
  });
  child.on('error', () => {});
  child.unref();
  if (child.pid === undefined) throw hubUnavailable(`cannot start ${process.execPath} for the hub`);
  return child.pid;
}
