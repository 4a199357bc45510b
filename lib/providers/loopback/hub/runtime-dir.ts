import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { RdmaError } from '../../../errors/rdma-error.js';
import { messageOf } from './errors.js';

/** The directory mode the runtime directory must have: owner only. */
export const RUNTIME_DIR_MODE = 0o700;

/**
 * The per-user directory that holds the hub socket and the peer sockets:
 * `VRDMA_RUNTIME_DIR` when set, else `$XDG_RUNTIME_DIR/vrdma`, else
 * `/tmp/vrdma-<uid>`. Computes the path only; see `ensureRuntimeDir`.
 */
export function runtimeDirPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env['VRDMA_RUNTIME_DIR'];
  if (override) return resolve(override);
  const xdg = env['XDG_RUNTIME_DIR'];
  if (xdg && isAbsolute(xdg)) return join(xdg, 'vrdma');
  const uid = process.getuid?.() ?? 0;
  return join('/tmp', `vrdma-${uid}`);
}

/**
 * Create `dir` (mode 0700) if it is missing and `create` allows, then check
 * it: a real directory (not a symbolic link), owned by this user; a wrong
 * mode is fixed to 0700.
 * @returns `dir`.
 * @throws RdmaError `ERR_RUNTIME_DIR` when it is missing (and not to be
 * created) or cannot be created, is not a directory, is a link, is owned by
 * another user, or its mode cannot be fixed.
 */
export function ensureRuntimeDir(dir: string, create = true): string {
  if (create) {
    try {
      mkdirSync(dir, { recursive: true, mode: RUNTIME_DIR_MODE });
    } catch (err) {
      throw dirError(dir, `cannot create it: ${messageOf(err)}`);
    }
  }
  let st;
  try {
    st = lstatSync(dir);
  } catch (err) {
    throw dirError(dir, messageOf(err));
  }
  if (st.isSymbolicLink()) throw dirError(dir, 'it is a symbolic link; remove it');
  if (!st.isDirectory()) throw dirError(dir, 'it is not a directory');
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw dirError(dir, `it is owned by uid ${st.uid}, not by this user (uid ${uid}); remove it or set VRDMA_RUNTIME_DIR`);
  }
  if ((st.mode & 0o777) !== RUNTIME_DIR_MODE) {
    try {
      chmodSync(dir, RUNTIME_DIR_MODE);
    } catch (err) {
      throw dirError(dir, `its mode is ${(st.mode & 0o777).toString(8)} and cannot be set to 700: ${messageOf(err)}`);
    }
  }
  return dir;
}

function dirError(dir: string, why: string): RdmaError {
  return new RdmaError('ERR_RUNTIME_DIR', `runtime directory ${dir} cannot be used: ${why}`);
}
