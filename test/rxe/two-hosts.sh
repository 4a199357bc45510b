#!/usr/bin/env bash
# Opt-in (slow: two TCG VMs): `npm run test:rxe2`. Boots two VMs joined by a
# private virtual link and one shared ivshmem device, runs ib_send_bw between
# their rxe0 devices (server on 10.99.0.1, client on 10.99.0.2), passes
# data both ways through the shared memory, then moves verified data over
# loop0 through that memory and over rxe0 with the compiled
# test/rxe/two-hosts-loop0.ts (npm run test:rxe2 builds dist/ first),
# printing both throughputs. Exits with the worse status.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec bash "$repo/test/rxe/run-in-vm.sh" --hosts 2 --ivshmem 4 --timeout "${VRDMA_VM_TIMEOUT:-900}" "$@" -- \
  bash -c 'bash test/rxe/two-hosts-send-bw.sh && bash test/rxe/two-hosts-ivshmem.sh && node dist/test/rxe/two-hosts-loop0.js'
