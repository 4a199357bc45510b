#!/usr/bin/env node
// Builds the native provider's addon into build/Release/vrdma.node.
//
//   npm run build:native            cmake-js (incremental), falls back to node-gyp
//   npm run build:native -- --gyp   node-gyp (binding.gyp) instead
//   npm run build:native -- --clean start from an empty build folder
//
// Needs libibverbs-dev (rdma-core), pkg-config, a C++17 compiler and cmake
// (or node-gyp). npm's install step (scripts/install.mjs) uses node-gyp
// instead and never fails; without the addon the loopback provider still
// works and `providerStatus()` says why native is unavailable.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { buildWithGyp, missingForGyp, verbsHeaders } from './native-toolchain.mjs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const args = new Set(process.argv.slice(2));

function say(msg) {
  process.stderr.write(`build:native: ${msg}\n`);
}

function has(cmd, argv = ['--version']) {
  const r = spawnSync(cmd, argv, { stdio: 'ignore' });
  return r.status === 0;
}

function run(cmd, argv) {
  say(`${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.error) say(`cannot run ${cmd}: ${r.error.message}`);
  return r.status === 0;
}

if (verbsHeaders() === undefined) {
  say('libibverbs development files not found (pkg-config libibverbs).');
  say('On Debian/Ubuntu: apt-get install libibverbs-dev librdmacm-dev rdma-core ibverbs-providers pkg-config cmake g++');
  say('On Fedora/RHEL:   dnf install rdma-core-devel libibverbs pkgconf cmake gcc-c++');
  process.exit(1);
}

if (args.has('--clean')) rmSync(join(root, 'build'), { recursive: true, force: true });

const jobs = String(Math.max(1, Math.min(2, Number(process.env.VRDMA_BUILD_JOBS) || 2)));

function viaCmake() {
  let bin;
  try {
    bin = require.resolve('cmake-js/bin/cmake-js');
  } catch {
    say('cmake-js is not installed (npm install --save-dev cmake-js)');
    return false;
  }
  if (!has('cmake')) {
    say('cmake not found (apt-get install cmake)');
    return false;
  }
  // `build` configures only when needed, then builds incrementally.
  return run(process.execPath, [bin, 'build', '--parallel', jobs, '--log-level', 'warn']);
}

function viaGyp() {
  const missing = missingForGyp();
  if (missing.length > 0) {
    say(`node-gyp cannot build here: missing ${missing.join(', ')}`);
    return false;
  }
  say('node-gyp rebuild (binding.gyp)');
  return buildWithGyp(root, { jobs });
}

let ok;
if (args.has('--gyp')) {
  ok = viaGyp();
} else {
  ok = viaCmake();
  if (!ok && !existsSync(join(root, 'build', 'CMakeCache.txt'))) {
    say('trying node-gyp instead');
    ok = viaGyp();
  }
}

const out = join(root, 'build', 'Release', 'vrdma.node');
if (!ok || !existsSync(out)) {
  say('the native addon was not built; the loopback provider still works');
  process.exit(1);
}
say(`built ${out}`);
