#!/usr/bin/env bash
# Runs a command on a real Soft-RoCE device (rxe0) inside a throwaway QEMU VM,
# with this repository as the project folder: the shipped runner
# (softroce/run-vm.sh, what `vrdma softroce run` uses) plus this repository's
# habits.
#
#   bash test/rxe/run-in-vm.sh [options] -- COMMAND [ARGS...]
#
# Options are those of softroce/run-vm.sh (--nvme-sriov, --timeout S,
# --memory MIB, --cpus N, --hosts 1|2, -e NAME[=VALUE]; see
# docs/soft-roce.md). The logs of the last run go to .vm/last-console.log and
# .vm/last-output.log. A guest kernel already unpacked in .vm/kernel is
# copied into the user's cache when the cache has none.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ "${VRDMA_IN_VM:-}" != 1 ] && [ -f "$repo/.vm/kernel/current" ]; then
  bash "$repo/softroce/fetch-kernel.sh" --from "$repo/.vm/kernel" >/dev/null
fi
mkdir -p "$repo/.vm"
exec bash "$repo/softroce/run-vm.sh" --project "$repo" --log-dir "$repo/.vm" "$@"
