/**
 * Where the native addon is: a build of this checkout or installation
 * (`build/Release/*.node`), else the prebuilt Node-API binary shipped in
 * the package (`prebuilds/<platform>-<arch>/vrdma.napi.glibc.node`), chosen
 * by node-gyp-build's rules. Finding a file says nothing about whether it
 * loads; `loadAddon()` finds that out.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** node-gyp-build's locator: the addon it would load from a package folder. */
interface NodeGypBuild {
  /** @throws Error "No native build was found ..." when no file fits. */
  path(dir: string): string;
}

/** The local build's file, relative to the package root. */
export const LOCAL_ADDON_FILE = join('build', 'Release', 'vrdma.node');

function isOurPackageRoot(dir: string): boolean {
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    return pkg !== null && typeof pkg === 'object' && 'name' in pkg && pkg.name === 'vrdma';
  } catch {
    return false;
  }
}

/** The vrdma package folder holding `from` (walking up), or undefined. */
export function packageRootOf(from: string): string | undefined {
  let dir = from;
  for (let i = 0; i < 8; i++) {
    if (isOurPackageRoot(dir)) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

function nodeGypBuild(): NodeGypBuild | undefined {
  try {
    const loaded: unknown = createRequire(import.meta.url)('node-gyp-build');
    if (typeof loaded === 'function' && 'path' in loaded && typeof loaded.path === 'function') return loaded as NodeGypBuild;
  } catch {
    // not installed: only the local build is looked for
  }
  return undefined;
}

/**
 * The files to load the addon from, best first: the one `VRDMA_NATIVE_ADDON`
 * names when set (only that one); else the file node-gyp-build picks in the
 * package root (`build/Release`, then `prebuilds/`); else the local build's
 * path, which does not exist (so the load reports "addon not built").
 */
export function addonCandidates(from: string = dirname(fileURLToPath(import.meta.url))): string[] {
  const env = process.env['VRDMA_NATIVE_ADDON'];
  if (env) return [env];
  const root = packageRootOf(from) ?? from;
  const local = join(root, LOCAL_ADDON_FILE);
  if (existsSync(local)) return [local];
  try {
    const found = nodeGypBuild()?.path(root);
    if (found !== undefined) return [found];
  } catch {
    // no prebuilt binary for this platform
  }
  return [local];
}
