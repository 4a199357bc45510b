import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The per-user cache of the Soft-RoCE VM (kernel, initramfs, job folders):
 * `VRDMA_CACHE_DIR`, else `$XDG_CACHE_HOME/vrdma`, else `~/.cache/vrdma`.
 * The same rule as softroce/cache-dir.sh. Never throws.
 */
export function softRoceCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env['VRDMA_CACHE_DIR'];
  if (own) return own;
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg) return join(xdg, 'vrdma');
  return join(env['HOME'] || homedir(), '.cache', 'vrdma');
}
