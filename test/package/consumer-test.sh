#!/usr/bin/env bash
# The package as a user gets it: pack it, install the tarball into an empty
# project, and use it there.
#
#   bash test/package/consumer-test.sh [--state hidden|toolchain] [--tarball FILE] [--out DIR] [--lint] [--softroce-run]
#
# --state hidden     (default) rdma-core's headers and the compiler are hidden:
#                    PKG_CONFIG_LIBDIR points at an empty folder and PATH holds
#                    only links to the host's commands minus cc, gcc, g++, c++,
#                    clang, cmake and make. Installing must still succeed and
#                    use the prebuilt binary; a forced source build must say
#                    in one line why the native provider is off, and exit 0.
# --state toolchain  the machine as it is; also rebuilds the addon from the
#                    tarball's sources with node-gyp (`npm rebuild vrdma
#                    --build-from-source`) and loads that build.
# --tarball FILE     use this tarball instead of running `npm pack` (which
#                    runs prepack: tsc and the prebuilt binary)
# --out DIR          keep the tarball there (default: a temporary folder)
# --lint             also run publint and are-the-types-wrong on the tarball
# --softroce-run     also boot the Soft-RoCE VM once from the consumer project:
#                    `npx vrdma softroce run -- ibv_devices` must list rxe0
#                    (QEMU TCG, about 20-30 s; only one VM may run on a
#                    shared machine, so wrap the whole script in its lock)
#
# In each state: ESM import and CommonJS require of `vrdma` and
# `vrdma/sriov`, the examples type-checked by a strict tsc against the
# shipped declarations and run (two processes over loop0 in both start
# orders, worker threads, UD, SR-IOV listing), `npx vrdma doctor` (exit 0),
# `npx vrdma softroce` (status as JSON, the shipped VM scripts, the runner's
# refusal without QEMU), and an install with --ignore-scripts that still
# finds the prebuilt binary.
# The loop0 hub lives in a private VRDMA_RUNTIME_DIR. Prints one line per
# check and exits 1 if any failed.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
state=hidden
tarball=""
out=""
lint=0
softroce_run=0
while [ $# -gt 0 ]; do
  case "$1" in
    --state) state="$2"; shift 2 ;;
    --tarball) tarball="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --lint) lint=1; shift ;;
    --softroce-run) softroce_run=1; shift ;;
    *) echo "consumer-test: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$state" in hidden|toolchain) ;; *) echo "consumer-test: --state hidden|toolchain" >&2; exit 2 ;; esac

work="$(mktemp -d /tmp/vrdma-consumer.XXXXXX)"
export VRDMA_RUNTIME_DIR="$work/runtime"
export VRDMA_HUB_IDLE_MS=2000
failures=0
cleanup() {
  # The hub started by the examples exits by itself after VRDMA_HUB_IDLE_MS;
  # stop it now if it is still there.
  [ -x "$work/app/node_modules/.bin/vrdma" ] && "$work/app/node_modules/.bin/vrdma" hub stop >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# check "what" command...: run it, log its output, print ok/FAIL.
check() {
  local what="$1"; shift
  local log="$work/log.$((++checks))"
  if "$@" >"$log" 2>&1; then
    echo "consumer [$state]: ok   $what"
  else
    echo "consumer [$state]: FAIL $what (exit $?)"
    sed 's/^/    | /' "$log" | tail -40
    failures=$((failures + 1))
  fi
}
checks=0

# --- the tarball ----------------------------------------------------------------
if [ -z "$tarball" ]; then
  dest="${out:-$work}"
  mkdir -p "$dest"
  pack() { (cd "$repo" && npm pack --silent --pack-destination "$dest" >"$work/packed-name"); }
  check "npm pack (prepack: tsc and the prebuilt binary)" pack
  tarball="$dest/$(tail -1 "$work/packed-name" 2>/dev/null)"
fi
tarball="$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")"
[ -f "$tarball" ] || { echo "consumer [$state]: FAIL no tarball at $tarball"; exit 1; }
check "tarball contents: prebuilt binary, dist, licence; no tests; source maps resolve" \
  node "$here/check-tarball.mjs" "$tarball"

# --- the machine state ------------------------------------------------------------
if [ "$state" = hidden ]; then
  bin="$work/bin"
  mkdir -p "$bin" "$work/no-pkgconfig"
  IFS=: read -r -a dirs <<<"$PATH"
  for d in "${dirs[@]}"; do
    [ -d "$d" ] || continue
    for f in "$d"/*; do
      name="$(basename "$f")"
      case "$name" in
        cc|gcc|g++|c++|cpp|clang|clang++|cmake|make|gmake|*-gcc|*-g++|*-gcc-[0-9]*|*-g++-[0-9]*|gcc-[0-9]*|g++-[0-9]*|clang-[0-9]*|clang++-[0-9]*) continue ;;
      esac
      [ -x "$f" ] && [ ! -e "$bin/$name" ] && ln -s "$f" "$bin/$name"
    done
  done
  export PATH="$bin"
  export PKG_CONFIG_LIBDIR="$work/no-pkgconfig"
  hidden() { ! command -v cc && ! command -v g++ && ! command -v cmake && ! command -v make && ! pkg-config --exists libibverbs; }
  check "compiler, cmake, make and libibverbs' pkg-config are hidden" hidden
fi

# --- install into an empty project ------------------------------------------------
app="$work/app"
mkdir -p "$app"
printf '{ "name": "consumer", "version": "1.0.0", "private": true, "type": "module" }\n' >"$app/package.json"
install() { (cd "$app" && npm install --no-audit --no-fund --prefer-offline --foreground-scripts "$tarball"); }
check "npm install <tarball> exits 0" install
no_build() { [ -f "$app/node_modules/vrdma/prebuilds/linux-x64/vrdma.napi.glibc.node" ] && [ ! -e "$app/node_modules/vrdma/build" ]; }
check "the prebuilt binary is installed and nothing was compiled" no_build
check "ldd: the prebuilt binary needs only libibverbs.so.1 and the C library, all found" \
  node "$here/check-needed.mjs" "$app/node_modules/vrdma/prebuilds/linux-x64/vrdma.napi.glibc.node"

cp "$here/consumer/"* "$app/"
mkdir -p "$app/src"
cp "$repo/examples/"*.ts "$app/src/"
check "ESM: import from 'vrdma' and 'vrdma/sriov'; the native provider loads the prebuilt binary" \
  bash -c "cd '$app' && node esm.mjs"
check "CommonJS: require('vrdma') and require('vrdma/sriov')" bash -c "cd '$app' && node cjs.cjs"
tsc() { (cd "$app" && node "$repo/node_modules/typescript/bin/tsc" -p tsconfig.json --typeRoots "$repo/node_modules/@types"); }
check "strict tsc: the examples and a CommonJS file against the shipped declarations" tsc
two() {
  cd "$app" && local port=$((20000 + RANDOM % 20000))
  node out/two-processes.js server "$port" & local s=$!
  node out/two-processes.js client "$port" || return 1
  wait "$s" || return 1
  node out/two-processes.js client $((port + 1)) & local c=$!
  sleep 0.5
  node out/two-processes.js server $((port + 1)) || return 1
  wait "$c"
}
check "examples/two-processes: RDMA WRITE over loop0 between two processes, both start orders" two
check "examples/workers, ud, sriov run" bash -c "cd '$app' && node out/workers.js && node out/ud.js && node out/sriov.js"
doctor() { (cd "$app" && npx --no-install vrdma doctor && npx --no-install vrdma doctor --json >doctor.json && node -e "const d=require('./doctor.json'); if (!d.ok) process.exit(1)"); }
check "npx vrdma doctor exits 0 (loop0 works)" doctor
softroce_status() {
  cd "$app" || return 1
  local rc=0
  npx --no-install vrdma softroce status --json >softroce.json || rc=$?
  [ "$rc" = 0 ] || [ "$rc" = 1 ] || return 1
  node -e "const s=require('./softroce.json'); if (typeof s.canCreateRxe !== 'boolean' || typeof s.vm.ready !== 'boolean') process.exit(1); if ((s.canCreateRxe || s.links.length > 0) !== ($rc === 0)) process.exit(1)" || return 1
  [ -f node_modules/vrdma/softroce/run-vm.sh ] && [ -f node_modules/vrdma/softroce/guest-init.sh ] || return 1
  local out
  out="$(VRDMA_QEMU=/nonexistent/qemu npx --no-install vrdma softroce run --vm -- true 2>&1)"
  [ $? = 125 ] && grep -q '/nonexistent/qemu not found' <<<"$out"
}
check "npx vrdma softroce: status as JSON (exit 0/1 as documented), VM scripts shipped, run without QEMU exits 125" softroce_status
if [ "$softroce_run" = 1 ]; then
  softroce_vm() { (cd "$app" && npx --no-install vrdma softroce run --vm --timeout 600 -- ibv_devices | tee softroce-run.log && grep -q 'rxe0' softroce-run.log); }
  check "npx vrdma softroce run -- ibv_devices lists rxe0 (a real VM boot)" softroce_vm
fi

# --- install without running the install script -------------------------------------
app2="$work/app-ignore-scripts"
mkdir -p "$app2"
printf '{ "name": "consumer2", "version": "1.0.0", "private": true }\n' >"$app2/package.json"
cp "$here/consumer/esm.mjs" "$app2/"
ignore() { (cd "$app2" && npm install --no-audit --no-fund --prefer-offline --ignore-scripts "$tarball" && node esm.mjs); }
check "npm install --ignore-scripts: the loader still finds the prebuilt binary" ignore

# --- source builds --------------------------------------------------------------------
if [ "$state" = hidden ]; then
  off() {
    (cd "$app" && npm rebuild vrdma --build-from-source --foreground-scripts >"$work/rebuild.log" 2>&1) || return 1
    cat "$work/rebuild.log"
    grep -q "vrdma: native provider off: install rdma-core's libibverbs-dev and run \`npm rebuild vrdma\`; loop0 works" "$work/rebuild.log" || return 1
    [ "$(grep -c 'native provider off' "$work/rebuild.log")" = 1 ] && (cd "$app" && node esm.mjs)
  }
  check "a forced source build without headers or compiler: one line, exit 0, the prebuilt still loads" off
else
  gyp() {
    (cd "$app" && npm rebuild vrdma --build-from-source --foreground-scripts) || return 1
    [ -f "$app/node_modules/vrdma/build/Release/vrdma.node" ] || { echo "no build/Release/vrdma.node"; return 1; }
    (cd "$app" && VRDMA_EXPECT_ADDON=build/Release node esm.mjs)
  }
  check "npm rebuild vrdma --build-from-source: node-gyp builds binding.gyp, and that build loads" gyp
fi

if [ "$lint" = 1 ]; then
  check "publint" node "$repo/node_modules/publint/src/cli.js" run "$tarball" --strict
  check "are-the-types-wrong (ESM-only by design: require() of it needs Node 20.19+ or 22.12+)" \
    node "$repo/node_modules/@arethetypeswrong/cli/dist/index.js" "$tarball" --ignore-rules cjs-resolves-to-esm
fi

if [ "$failures" -gt 0 ]; then
  echo "consumer [$state]: $failures check(s) failed"
  exit 1
fi
echo "consumer [$state]: all $checks checks passed"
