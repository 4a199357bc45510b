#!/usr/bin/env node
// npm's install step for vrdma. It never fails the install:
//   1. a native addon that loads here (prebuilds/<platform>-<arch>/, or a
//      local build/Release) is used as it is;
//   2. else, when libibverbs-dev, a compiler, make and python3 are present,
//      the addon is built from source with node-gyp (binding.gyp);
//   3. else one line says how to get the native provider, and the install
//      succeeds: the loopback provider (loop0) needs none of it.
// `npm rebuild vrdma --build-from-source` (npm_config_build_from_source)
// skips step 1.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWithGyp, missingForGyp } from './native-toolchain.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const OFF = "vrdma: native provider off: install rdma-core's libibverbs-dev and run `npm rebuild vrdma`; loop0 works";

function say(line) {
  process.stderr.write(`${line}\n`);
}

/** The addon node-gyp-build would load, or undefined. */
function locate() {
  try {
    const nodeGypBuild = require('node-gyp-build');
    return nodeGypBuild.path(root);
  } catch {
    return undefined;
  }
}

/** Undefined when `path` loads, else the loader's first line. */
function loadError(path) {
  try {
    require(path);
    return undefined;
  } catch (err) {
    return String(err instanceof Error ? err.message : err).split('\n')[0];
  }
}

const fromSource = ['true', '1', 'vrdma'].includes(String(process.env.npm_config_build_from_source ?? '').toLowerCase());
if (!fromSource) {
  const found = locate();
  const error = found === undefined ? undefined : loadError(found);
  if (found !== undefined && error === undefined) process.exit(0);
  if (error !== undefined && /libibverbs\.so/.test(error)) {
    say(`vrdma: native provider off: ${error}; install rdma-core's libibverbs1 (and ibverbs-providers); loop0 works`);
    process.exit(0);
  }
}
const missing = missingForGyp();
if (missing.length > 0) {
  say(`${OFF} (missing: ${missing.join(', ')})`);
  process.exit(0);
}
const verbose = process.env.npm_config_foreground_scripts === 'true' || process.env.VRDMA_BUILD_VERBOSE === '1';
if (!buildWithGyp(root, { stdio: verbose ? 'inherit' : 'ignore' }) || locate() === undefined) {
  say(`${OFF} (the source build failed; run \`npm rebuild vrdma --foreground-scripts\` to see why)`);
}
process.exit(0);
