// Checks what a packed tarball holds: the prebuilt binary, the compiled
// library with declarations, the licence and changelog, the install
// scripts; no tests, benchmarks or build folder; every source map's sources
// inside the package.
//   node check-tarball.mjs FILE.tgz
import { execFileSync } from 'node:child_process';
import { posix } from 'node:path';

const tarball = process.argv[2];
const files = new Set(execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, '')));
const problems = [];
for (const f of ['prebuilds/linux-x64/vrdma.napi.glibc.node', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/sriov/index.d.ts',
  'dist/lib/cli/main.js', 'dist/lib/providers/loopback/hub/hub-main.js', 'LICENSE', 'CHANGELOG.md', 'README.md',
  'scripts/install.mjs', 'scripts/native-toolchain.mjs', 'binding.gyp', 'CMakeLists.txt', 'native/build.json',
  'softroce/run-vm.sh', 'softroce/fetch-kernel.sh', 'softroce/build-initramfs.sh', 'softroce/guest-init.sh', 'softroce/guest-run.sh', 'softroce/cache-dir.sh', 'softroce/apt-update.sh']) {
  if (!files.has(f)) problems.push(`missing ${f}`);
}
for (const f of files) {
  if (/^(test|bench|dist\/test|dist\/bench|dist\/examples|build|\.ci|\.vm)\//.test(f)) problems.push(`should not ship ${f}`);
}
let maps = 0;
for (const f of [...files].filter((x) => x.endsWith('.js.map'))) {
  maps += 1;
  const map = JSON.parse(execFileSync('tar', ['-xzOf', tarball, `package/${f}`], { encoding: 'utf8' }));
  for (const s of map.sources) {
    const target = posix.normalize(posix.join(posix.dirname(f), map.sourceRoot ?? '', s));
    if (!files.has(target)) problems.push(`${f}: source ${s} is not in the package`);
  }
}
console.log(`${files.size} files, ${maps} source maps`);
if (problems.length > 0) {
  console.log(problems.slice(0, 20).join('\n'));
  process.exit(1);
}
