#!/usr/bin/env bash
# perftest vs vrdma's native provider on Soft-RoCE, in one run on one device.
#
#   npm run build && bash test/rxe/run-in-vm.sh -- bash bench/rxe-compare.sh [options]
#
# Options go to dist/bench/native/compare.js: --sizes 2,4K,64K --iters 1000
# --device rxe0 --gid-index 1 --window 128 --batch 16 --inline N --json FILE.
# Runs ib_send_lat, ib_write_lat and ib_write_bw (-d DEV -x GID -F, server in
# the background, client to 127.0.0.1), then vrdma's two-process benchmark on
# the same device, and prints both side by side with ratios. When the native
# provider is unavailable it says why and still prints the perftest figures.
# Always exits 0 once the comparison ran: it reports, it never asserts.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

if [ ! -f dist/bench/native/compare.js ]; then
  echo "rxe-compare: dist/bench/native/compare.js is missing: run 'npm run build' first (on the host)" >&2
  exit 1
fi
if [ "${VRDMA_IN_VM:-}" != 1 ] && ! ls /sys/class/infiniband 2>/dev/null | grep -q .; then
  echo "rxe-compare: no RDMA device here; run it in the Soft-RoCE VM:" >&2
  echo "  bash test/rxe/run-in-vm.sh -- bash bench/rxe-compare.sh $*" >&2
  exit 1
fi

# Large regions need more locked memory than the default.
ulimit -l unlimited 2>/dev/null || true

echo "rxe-compare: native provider status:"
node -e "import('./dist/lib/index.js').then((m) => { for (const s of m.providerStatus()) console.log('  ' + s.name + ': ' + (s.available ? 'available' : 'unavailable: ' + s.reason)); })" \
  || echo "  (could not load dist/lib/index.js)"

node dist/bench/native/compare.js "$@"

# What single verbs calls cost from JavaScript here (explains the latency ratio).
device=rxe0
gid=1
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device="$2"; shift 2 ;;
    --gid-index) gid="$2"; shift 2 ;;
    *) shift ;;
  esac
done
echo "rxe-compare: cost of one call from JavaScript on $device:"
node dist/bench/native/call-costs.js --device "$device" --gid-index "$gid" --iters 20000 \
  || echo "  (unavailable: the native provider could not run it)"
