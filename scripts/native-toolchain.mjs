// What building the native addon from source needs, and the node-gyp build
// itself. Shared by scripts/build-native.mjs (development) and
// scripts/install.mjs (npm's install step); plain JavaScript with no
// dependencies, so it runs before anything is built.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/** Whether `cmd` is an executable on PATH. */
export function onPath(cmd) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, cmd)));
}

function pkgConfig(argv) {
  const r = spawnSync('pkg-config', argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * libibverbs' development files as pkg-config reports them: the include
 * folder holding `infiniband/verbs.h`, or undefined when pkg-config, its
 * `libibverbs.pc` or the header is missing (`PKG_CONFIG_LIBDIR` pointing at
 * an empty folder hides them).
 */
export function verbsHeaders() {
  if (!onPath('pkg-config') || pkgConfig(['--exists', 'libibverbs']) === undefined) return undefined;
  const dir = pkgConfig(['--variable=includedir', 'libibverbs']) || '/usr/include';
  return existsSync(join(dir, 'infiniband', 'verbs.h')) ? dir : undefined;
}

/** Node's own headers (node_api.h, uv.h) next to this Node, so node-gyp downloads nothing. */
export function nodeHeadersDir() {
  const candidates = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..')];
  return candidates.find((d) => d && existsSync(join(d, 'include', 'node', 'node_api.h')));
}

/** npm's bundled node-gyp (`npm_config_node_gyp` inside npm scripts, else next to this Node's npm). */
export function nodeGypScript() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p && existsSync(p));
}

/**
 * What a node-gyp source build lacks here, in words; empty when nothing is
 * missing. Checks the libibverbs headers (pkg-config), a C++ compiler,
 * make, python3, Node's headers and node-gyp itself.
 */
export function missingForGyp() {
  const missing = [];
  if (verbsHeaders() === undefined) missing.push("rdma-core's libibverbs-dev (pkg-config libibverbs)");
  const cxx = process.env.CXX;
  if (!(cxx ? onPath(cxx) || existsSync(cxx) : onPath('c++') || onPath('g++') || onPath('clang++'))) missing.push('a C++ compiler');
  if (!onPath('make')) missing.push('make');
  if (!onPath('python3') && !process.env.PYTHON) missing.push('python3');
  if (nodeHeadersDir() === undefined) missing.push("Node's headers");
  if (nodeGypScript() === undefined) missing.push('node-gyp');
  return missing;
}

/**
 * Build build/Release/vrdma.node with node-gyp from binding.gyp in `root`.
 * Returns whether it succeeded; its output goes to `stdio`.
 */
export function buildWithGyp(root, { jobs = '2', stdio = 'inherit' } = {}) {
  const gyp = nodeGypScript();
  const nodedir = nodeHeadersDir();
  if (gyp === undefined || nodedir === undefined) return false;
  const r = spawnSync(process.execPath, [gyp, 'rebuild', `--jobs=${jobs}`, `--nodedir=${nodedir}`], { cwd: root, stdio, env: process.env });
  return r.status === 0;
}
