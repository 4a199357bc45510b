#!/usr/bin/env node
// Builds the addon (scripts/build-native.mjs) and copies it to
// prebuilds/<platform>-<arch>/vrdma.napi.glibc.node, where node-gyp-build
// finds it in an installed package. `npm pack` runs this (prepack), so every
// tarball carries the Node-API binary for the platform it was packed on.
// Fails when the binary needs a shared library besides libibverbs.so.1 and
// the C library, which every glibc Linux has.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onPath } from './native-toolchain.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ALLOWED = /^(libibverbs\.so\.1|libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|ld-linux[\w.-]*\.so\.\d)$/;

function fail(message) {
  process.stderr.write(`prebuild: ${message}\n`);
  process.exit(1);
}

if (process.platform !== 'linux') fail(`the native provider is built for Linux only (this is ${process.platform})`);
const built = spawnSync(process.execPath, [join(root, 'scripts', 'build-native.mjs')], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) fail('the native addon did not build (see above); packing needs it');

const source = join(root, 'build', 'Release', 'vrdma.node');
const folder = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const target = join(folder, 'vrdma.napi.glibc.node');
rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
mkdirSync(folder, { recursive: true });
copyFileSync(source, target);
if (onPath('strip')) spawnSync('strip', ['--strip-unneeded', target], { stdio: 'inherit' });

if (onPath('readelf')) {
  const r = spawnSync('readelf', ['-d', target], { encoding: 'utf8' });
  const needed = [...r.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const extra = needed.filter((lib) => !ALLOWED.test(lib));
  if (extra.length > 0) fail(`${relative(root, target)} needs ${extra.join(', ')} at run time; only libibverbs.so.1 and the C library may be`);
  process.stderr.write(`prebuild: ${relative(root, target)} (needs ${needed.join(', ')})\n`);
}
