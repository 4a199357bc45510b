#!/bin/bash
# Runs inside the VM, in the chroot on the host's root (see guest-init.sh):
# creates the Soft-RoCE device rxe0, then runs the job's command.
#
#   guest-run.sh JOB_DIR
#
# JOB_DIR (written by run-vm.sh) holds host.sh (project, host_index, hosts),
# env.sh (exported variables), cmd.sh (the command as a bash array) and gets
# "started" and "status" written here. One VM: rxe0 runs on veth0
# (10.99.0.1/24). Two VMs: rxe0 runs on eth0, the virtual link between them,
# with 10.99.0.<index + 1>/24. The command's stdout and stderr go to
# /dev/ttyS1 through a pipe, so the command does not see a terminal. Exits
# 125 if the device setup fails.
set -u

job="$1"

log() { echo "vrdma-guest: $*"; }
setup_fail() {
  log "error: $*"
  exit 125
}

project=""
host_index=0
hosts=1
ivshmem=0
# shellcheck disable=SC1091
. "$job/host.sh" || setup_fail "$job/host.sh missing"
[ -n "$project" ] || setup_fail "no project folder in $job/host.sh"

ip link set lo up || setup_fail "ip link set lo up"
if [ "$hosts" = 1 ]; then
  netdev=veth0
  ip link add veth0 type veth peer name veth1 || setup_fail "cannot create veth0/veth1"
  ip addr add 10.99.0.1/24 dev veth0 || setup_fail "cannot address veth0"
  ip link set veth0 up || setup_fail "veth0 up"
  ip link set veth1 up || setup_fail "veth1 up"
  peer=""
else
  netdev=eth0
  hostname "vrdma-host$host_index" 2>/dev/null || true
  ip addr add "10.99.0.$((host_index + 1))/24" dev eth0 || setup_fail "cannot address eth0"
  ip link set eth0 up || setup_fail "eth0 up"
  peer="10.99.0.$((2 - host_index))"
fi
rdma link add rxe0 type rxe netdev "$netdev" || setup_fail "rdma link add rxe0 type rxe netdev $netdev"

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
# The host's PATH may name folders the guest cannot see (under /tmp, which is
# the guest's own): the system folders always come last.
export PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export VRDMA_IN_VM=1
if [ "$ivshmem" = 1 ]; then
  # QEMU's ivshmem-plain (1af4:1110): BAR 2 is the shared memory. Enabling
  # the device turns its memory decoding on, so the BAR file can be mapped.
  bar=""
  for d in /sys/bus/pci/devices/*; do
    if [ "$(cat "$d/vendor" 2>/dev/null)" = 0x1af4 ] && [ "$(cat "$d/device" 2>/dev/null)" = 0x1110 ]; then
      echo 1 >"$d/enable" 2>/dev/null || true
      bar="$d/resource2"
      break
    fi
  done
  [ -n "$bar" ] && [ -e "$bar" ] || setup_fail "--ivshmem was given but no ivshmem device (1af4:1110) is on the PCI bus"
  export VRDMA_IVSHMEM="$bar"
  VRDMA_IVSHMEM_BYTES="$(stat -c %s "$bar")"
  export VRDMA_IVSHMEM_BYTES
fi
export VRDMA_HOST_INDEX="$host_index"
if [ -n "$peer" ]; then
  export VRDMA_PEER_ADDR="$peer"
fi
cmd=()
# shellcheck disable=SC1091
. "$job/cmd.sh"
[ "${#cmd[@]}" -gt 0 ] || setup_fail "empty command"

cd "$project" || setup_fail "cd $project"
: >"$job/started"
echo "vrdma-guest: running: ${cmd[*]}"
"${cmd[@]}" </dev/null 2>&1 | cat >/dev/ttyS1
rc=${PIPESTATUS[0]}
printf '%s\n' "$rc" >"$job/status"
sync
exit "$rc"
