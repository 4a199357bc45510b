#!/bin/bash
# Runs inside the VM, in the chroot on the host's root (see guest-init.sh):
# creates the Soft-RoCE device rxe0, then runs the job's command.
#
#   guest-run.sh JOB_DIR
#
# JOB_DIR (written by run-in-vm.sh) holds env.sh (exported variables), cmd.sh
# (the command as a bash array) and gets "started" and "status" written here.
# The command's stdout and stderr go to /dev/ttyS1 through a pipe, so the
# command does not see a terminal. Exits 125 if the device setup fails.
set -u

job="$1"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { echo "vrdma-guest: $*"; }
setup_fail() {
  log "error: $*"
  exit 125
}

ip link set lo up || setup_fail "ip link set lo up"
ip link add veth0 type veth peer name veth1 || setup_fail "cannot create veth0/veth1"
ip addr add 10.99.0.1/24 dev veth0 || setup_fail "cannot address veth0"
ip link set veth0 up || setup_fail "veth0 up"
ip link set veth1 up || setup_fail "veth1 up"
rdma link add rxe0 type rxe netdev veth0 || setup_fail "rdma link add rxe0 type rxe netdev veth0"

active=0
for _ in $(seq 1 100); do
  if rdma link show rxe0/1 2>/dev/null | grep -q 'state ACTIVE'; then
    active=1
    break
  fi
  sleep 0.1
done
[ "$active" = 1 ] || setup_fail "rxe0 port 1 did not become ACTIVE: $(rdma link show 2>&1)"
log "$(rdma link show rxe0/1)"

ulimit -l unlimited || setup_fail "ulimit -l unlimited"

[ -f "$job/env.sh" ] || setup_fail "$job/env.sh missing"
[ -f "$job/cmd.sh" ] || setup_fail "$job/cmd.sh missing"

# Start from an empty environment, then take what the host passed in.
for v in $(compgen -e); do
  unset "$v" 2>/dev/null
done
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
# shellcheck disable=SC1091
. "$job/env.sh"
export VRDMA_IN_VM=1
cmd=()
# shellcheck disable=SC1091
. "$job/cmd.sh"
[ "${#cmd[@]}" -gt 0 ] || setup_fail "empty command"

cd "$repo" || setup_fail "cd $repo"
: >"$job/started"
echo "vrdma-guest: running: ${cmd[*]}"
"${cmd[@]}" </dev/null 2>&1 | cat >/dev/ttyS1
rc=${PIPESTATUS[0]}
printf '%s\n' "$rc" >"$job/status"
sync
exit "$rc"
