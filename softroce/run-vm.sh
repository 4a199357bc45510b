#!/usr/bin/env bash
# Boots a throwaway QEMU VM (or two) with Debian's kernel and runs a command
# inside on a real Soft-RoCE device, rxe0. `vrdma softroce run` calls this.
#
#   bash run-vm.sh [options] -- COMMAND [ARGS...]
#
# Options:
#   --project DIR      folder shared read-write with the guest, where the
#                      command runs (default: the current directory)
#   --hosts 1|2        one VM, or two joined by a virtual Ethernet link
#                      (default 1); see below
#   --nvme-sriov       add QEMU's emulated NVMe controller with SR-IOV (PF at
#                      0000:01:00.0, up to 4 VFs) and load the NVMe modules
#   --ivshmem MIB      give every VM one inter-VM shared memory device
#                      (ivshmem-plain over one host file of MIB MiB, a power
#                      of two): with --hosts 2 both VMs map the same memory;
#                      the guest finds it at $VRDMA_IVSHMEM (a PCI BAR file
#                      to mmap), $VRDMA_IVSHMEM_BYTES long
#   --timeout SECONDS  kill the VM(s) after this long (default 1200, or
#                      $VRDMA_VM_TIMEOUT)
#   --memory MIB       guest memory per VM (default 3072 for one VM, 1536
#                      each for two, or $VRDMA_VM_MEMORY)
#   --cpus N           vCPUs per VM (default 2 for one VM, 1 each for two,
#                      or $VRDMA_VM_CPUS)
#   --log-dir DIR      where last-console.log and last-output.log go
#                      (default <cache>/logs)
#   -e NAME[=VALUE]    pass one more environment variable into the guest
#
# Inside the guest the host's / is the root (read-only share under a
# throwaway tmpfs overlay), the project folder is mounted read-write at its
# own path, `ulimit -l` is unlimited, VRDMA_IN_VM=1, VRDMA_HOST_INDEX is the
# VM's index (0 or 1), and the command runs in the project folder. One VM:
# rxe0 runs on veth0 (10.99.0.1/24). Two VMs: each has eth0 on a link that
# only the two share (QEMU dgram sockets in the job folder, no traffic leaves
# the machine), 10.99.0.1 and 10.99.0.2, rxe0 on eth0, VRDMA_PEER_ADDR the
# other's address; the command runs on both, output lines are prefixed with
# [host0] / [host1], and the exit status is the higher of the two. PATH, HOME,
# CI, LANG, LC_ALL, TZ, TERM, NODE_OPTIONS, FORCE_COLOR, NO_COLOR and every
# VRDMA_* variable are passed through.
#
# Exits with the command's exit status; 124 on timeout; 125 if the VM could
# not run the command (missing pieces, setup failure, kernel panic). On
# failure the console log is printed. The command's stdout and stderr arrive
# merged on this script's stdout.
#
# The kernel, the initramfs and job folders live in the user's cache
# ($VRDMA_CACHE_DIR, else $XDG_CACHE_HOME/vrdma, else ~/.cache/vrdma); a
# missing kernel is fetched first (fetch-kernel.sh: apt-get download).
# More knobs (environment): VRDMA_VM_KARGS (extra kernel command line, e.g.
# "vrdma_repocache=loose"), VRDMA_VM_KEEP_JOB=1 (keep the job folder),
# VRDMA_QEMU (QEMU binary).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

say() { printf 'vrdma softroce: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 125; }
usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
  exit 125
}

project="$PWD"
hosts=1
nvme=0
ivshmem_mib=0
timeout_s="${VRDMA_VM_TIMEOUT:-1200}"
memory="${VRDMA_VM_MEMORY:-}"
cpus="${VRDMA_VM_CPUS:-}"
log_dir=""
extra_env=()
while [ $# -gt 0 ]; do
  case "$1" in
    --project) [ $# -ge 2 ] || usage; project="$2"; shift 2 ;;
    --hosts) [ $# -ge 2 ] || usage; hosts="$2"; shift 2 ;;
    --nvme-sriov) nvme=1; shift ;;
    --ivshmem) [ $# -ge 2 ] || usage; ivshmem_mib="$2"; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage; timeout_s="$2"; shift 2 ;;
    --timeout=*) timeout_s="${1#*=}"; shift ;;
    --memory) [ $# -ge 2 ] || usage; memory="$2"; shift 2 ;;
    --cpus) [ $# -ge 2 ] || usage; cpus="$2"; shift 2 ;;
    --log-dir) [ $# -ge 2 ] || usage; log_dir="$2"; shift 2 ;;
    -e) [ $# -ge 2 ] || usage; extra_env+=("$2"); shift 2 ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) say "unknown option $1"; usage ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { say "no command given"; usage; }
case "$hosts" in 1|2) ;; *) die "--hosts takes 1 or 2, not $hosts" ;; esac
[ -n "$memory" ] || memory=$(( hosts == 1 ? 3072 : 1536 ))
[ -n "$cpus" ] || cpus=$(( hosts == 1 ? 2 : 1 ))
for n in "$timeout_s" "$memory" "$cpus"; do
  case "$n" in ''|*[!0-9]*|0) die "not a positive integer: $n" ;; esac
done
case "$ivshmem_mib" in
  ''|*[!0-9]*) die "--ivshmem takes a size in MiB, not $ivshmem_mib" ;;
esac
if [ "$ivshmem_mib" != 0 ] && { [ "$ivshmem_mib" -gt 1024 ] || [ $((ivshmem_mib & (ivshmem_mib - 1))) != 0 ]; }; then
  die "--ivshmem takes a power of two from 1 to 1024 MiB (a PCI BAR), not $ivshmem_mib"
fi
[ -d "$project" ] || die "project folder $project does not exist"
# Inside the guest the project is found at the same path in the host root,
# so it must be a real path (cd -P).
project="$(cd -P "$project" && pwd)"

# Already inside the VM: just run the command (one host).
if [ "${VRDMA_IN_VM:-}" = 1 ]; then
  [ "$hosts" = 1 ] || die "--hosts 2 cannot start VMs from inside a VM"
  cd "$project"
  exec "$@"
fi

# --- prerequisites -----------------------------------------------------------

# shellcheck source=cache-dir.sh
. "$here/cache-dir.sh"
[ -n "$log_dir" ] || log_dir="$cache_dir/logs"
mkdir -p "$log_dir"
qemu="${VRDMA_QEMU:-qemu-system-x86_64}"
command -v "$qemu" >/dev/null 2>&1 \
  || die "$qemu not found (Debian: apt-get install qemu-system-x86)"
for p in "$project" "$cache_dir"; do
  case "$p" in
    *[[:space:],]*) die "the path '$p' contains whitespace or a comma, which the kernel command line and -virtfs cannot carry" ;;
  esac
done
kver="$(bash "$here/fetch-kernel.sh")" || die "no guest kernel (see above)"
vmlinuz="$kernel_dir/$kver/boot/vmlinuz-$kver"
[ -f "$vmlinuz" ] || die "guest kernel $vmlinuz missing"
initramfs="$(bash "$here/build-initramfs.sh" "$kver")" || die "initramfs build failed"

# --- job folders (shared with the guests as 9p tag "job") ---------------------

mkdir -p "$cache_dir/jobs"
job_root="$(mktemp -d "$cache_dir/jobs/job.XXXXXX")"
qpids=()
tails=()
# shellcheck disable=SC2317  # called through trap
cleanup() {
  local p
  for p in "${qpids[@]+"${qpids[@]}"}"; do
    kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null
  done
  for p in "${qpids[@]+"${qpids[@]}"}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$p" 2>/dev/null || true
  done
  for p in "${tails[@]+"${tails[@]}"}"; do kill "$p" 2>/dev/null || true; done
  if [ "${VRDMA_VM_KEEP_JOB:-}" != 1 ]; then
    rm -rf "$job_root"
  fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

{
  pass=(PATH HOME CI LANG LC_ALL TZ TERM NODE_OPTIONS FORCE_COLOR NO_COLOR)
  while IFS= read -r name; do
    pass+=("$name")
  done < <(compgen -e | grep '^VRDMA_' || true)
  for name in "${pass[@]}"; do
    case "$name" in VRDMA_IN_VM|VRDMA_HOST_INDEX|VRDMA_PEER_ADDR|VRDMA_IVSHMEM|VRDMA_IVSHMEM_BYTES) continue ;; esac
    if [ -n "${!name+x}" ]; then
      printf 'export %s=%q\n' "$name" "${!name}"
    fi
  done
  for kv in "${extra_env[@]+"${extra_env[@]}"}"; do
    name="${kv%%=*}"
    case "$name" in ''|[0-9]*|*[!A-Za-z0-9_]*) die "bad variable name in -e $kv" ;; esac
    if [ "$kv" = "$name" ]; then
      if [ -n "${!name+x}" ]; then
        printf 'export %s=%q\n' "$name" "${!name}"
      fi
    else
      printf 'export %s=%q\n' "$name" "${kv#*=}"
    fi
  done
} >"$job_root/env.sh"
{
  printf 'cmd=('
  printf ' %q' "$@"
  printf ' )\n'
} >"$job_root/cmd.sh"

for ((i = 0; i < hosts; i++)); do
  j="$job_root/host$i"
  mkdir -p "$j"
  cp "$here/guest-run.sh" "$j/guest-run.sh"
  cp "$job_root/env.sh" "$job_root/cmd.sh" "$j/"
  printf 'project=%q\nhost_index=%d\nhosts=%d\nivshmem=%d\n' "$project" "$i" "$hosts" "$((ivshmem_mib > 0))" >"$j/host.sh"
done
# One file behind every VM's ivshmem BAR (removed with the job folder).
if [ "$ivshmem_mib" != 0 ]; then
  truncate -s "${ivshmem_mib}M" "$job_root/ivshmem" || die "cannot create the shared memory file $job_root/ivshmem"
fi

# --- boot ----------------------------------------------------------------------

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# qemu_args INDEX: the QEMU command line of VM INDEX, into the array "args".
qemu_args() {
  local i="$1" j="$job_root/host$1"
  # TCG, not KVM: /dev/kvm may exist on these machines, but KVM guests hang
  # there (nested virtualisation). thread=multi: one host thread per vCPU.
  # shellcheck disable=SC2054  # commas belong to QEMU option values
  args=(
    -nodefaults -no-user-config -display none -no-reboot
    -accel tcg,thread=multi -machine q35 -cpu max -smp "$cpus" -m "$memory"
    -kernel "$vmlinuz" -initrd "$initramfs"
    -append "console=ttyS0,115200 panic=-1 mitigations=off vrdma_project=$project vrdma_job=$j vrdma_kmods=$kernel_dir/$kver/lib/modules/$kver vrdma_nvme=$nvme${VRDMA_VM_KARGS:+ $VRDMA_VM_KARGS}"
    -chardev "file,id=con,path=$j/console.log"
    -serial chardev:con
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
    -virtfs "local,path=$project,mount_tag=project,security_model=none,multidevs=remap"
    -virtfs "local,path=$j,mount_tag=job,security_model=none,multidevs=remap"
  )
  if [ "$hosts" = 1 ]; then
    args+=(-chardev "stdio,id=out,signal=off,logfile=$j/output.log" -serial chardev:out)
  else
    # Each VM sends its frames to the other's datagram socket: a private
    # two-port Ethernet link.
    local other=$((1 - i))
    # shellcheck disable=SC2054
    args+=(
      -chardev "file,id=out,path=$j/output.log" -serial chardev:out
      -netdev "dgram,id=link,local.type=unix,local.path=$job_root/link$i.sock,remote.type=unix,remote.path=$job_root/link$other.sock"
      -device "virtio-net-pci,netdev=link,mac=52:54:00:99:00:0$((i + 1))"
    )
  fi
  if [ "$ivshmem_mib" != 0 ]; then
    # shellcheck disable=SC2054
    args+=(
      -object "memory-backend-file,id=ivshmem,share=on,mem-path=$job_root/ivshmem,size=${ivshmem_mib}M"
      -device ivshmem-plain,memdev=ivshmem
    )
  fi
  if [ "$nvme" = 1 ]; then
    # shellcheck disable=SC2054
    args+=(
      -device pcie-root-port,id=rp1,chassis=1
      -device nvme-subsys,id=subsys0
      -device nvme,bus=rp1,serial=deadbeef,subsys=subsys0,sriov_max_vfs=4,sriov_vq_flexible=16,sriov_vi_flexible=8,max_ioqpairs=18,msix_qsize=20
    )
  fi
}

extras=""
[ "$nvme" = 1 ] && extras=", nvme-sriov"
[ "$hosts" = 2 ] && extras="$extras, 2 hosts"
[ "$ivshmem_mib" != 0 ] && extras="$extras, ivshmem ${ivshmem_mib} MiB"
say "booting $kver (tcg, ${cpus} vCPUs, ${memory} MiB$extras), timeout ${timeout_s}s"
t0="$(now)"
for ((i = 0; i < hosts; i++)); do
  qemu_args "$i"
  if [ "$hosts" = 1 ]; then
    "$qemu" "${args[@]}" </dev/null &
    qpids+=($!)
  else
    : >"$job_root/host$i/output.log"
    "$qemu" "${args[@]}" </dev/null >"$job_root/host$i/qemu.log" 2>&1 &
    qpids+=($!)
    tail -n +1 -F -s 0.3 "$job_root/host$i/output.log" 2>/dev/null | sed -u "s/^/[host$i] /" &
    tails+=($!)
  fi
done

alive() {
  local p
  for p in "${qpids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done
  return 1
}
t_start=""
timed_out=0
deadline=$(( $(date +%s) + timeout_s ))
while alive; do
  if [ -z "$t_start" ] && [ -e "$job_root/host0/started" ]; then
    t_start="$(now)"
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    timed_out=1
    say "timeout after ${timeout_s}s; stopping qemu (pid ${qpids[*]})"
    for p in "${qpids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      alive || break
      sleep 0.5
    done
    for p in "${qpids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    break
  fi
  sleep 0.5
done
qrc=0
for p in "${qpids[@]}"; do wait "$p" || qrc=$?; done
qpids=()
t_end="$(now)"
[ -z "$t_start" ] && [ -e "$job_root/host0/started" ] && t_start="$t_end"
if [ "${#tails[@]}" -gt 0 ]; then
  sleep 0.7   # let the prefixing readers print the last lines
  for p in "${tails[@]}"; do kill "$p" 2>/dev/null || true; done
  tails=()
fi

# --- result --------------------------------------------------------------------

# host_status INDEX: prints "RC REASON" for one VM.
host_status() {
  local j="$job_root/host$1" rc="" reason="" marker
  if [ -f "$j/status" ]; then
    rc="$(tr -dc '0-9' <"$j/status")"
  fi
  if [ -z "$rc" ]; then
    marker="$(grep -a -o 'VRDMA_EXIT_STATUS=[0-9]*' "$j/console.log" 2>/dev/null | tail -n1 || true)"
    rc="${marker#VRDMA_EXIT_STATUS=}"
  fi
  if [ "$timed_out" = 1 ] && [ -z "$rc" ]; then
    rc=124; reason="timed out after ${timeout_s}s"
  elif [ -z "$rc" ]; then
    rc=125
    if grep -aq 'Kernel panic' "$j/console.log" 2>/dev/null; then
      reason="kernel panic"
    elif grep -aq 'VRDMA_SETUP_FAILED' "$j/console.log" 2>/dev/null; then
      reason="VM setup failed: $(grep -a -o 'VRDMA_SETUP_FAILED.*' "$j/console.log" | tail -n1 | tr -d '\r')"
    else
      reason="VM stopped without an exit status (qemu exit $qrc$( [ -s "$j/qemu.log" ] && printf ': %s' "$(tr '\n' ' ' <"$j/qemu.log")"))"
    fi
  fi
  printf '%s %s\n' "$rc" "$reason"
}

rc=0
for ((i = 0; i < hosts; i++)); do
  j="$job_root/host$i"
  suffix=""
  [ "$hosts" = 2 ] && suffix="-host$i"
  cp -f "$j/console.log" "$log_dir/last-console$suffix.log" 2>/dev/null || : >"$log_dir/last-console$suffix.log"
  cp -f "$j/output.log" "$log_dir/last-output$suffix.log" 2>/dev/null || : >"$log_dir/last-output$suffix.log"
  read -r hrc reason < <(host_status "$i")
  [ "$timed_out" = 1 ] && { hrc=124; reason="timed out after ${timeout_s}s"; }
  [ "$hrc" -gt "$rc" ] && rc="$hrc"
  name="the VM"
  [ "$hosts" = 2 ] && name="host$i"
  if [ "$hrc" != 0 ]; then
    [ -n "$reason" ] && say "$name: $reason"
    {
      if [ -z "$reason" ]; then
        # The command ran and failed: the kernel boot log is noise, print the
        # console from the start of /init on (module loading, device setup and
        # any kernel messages while the command ran).
        echo "----- $name: console log from /init on (full log: $log_dir/last-console$suffix.log) -----"
        tr -d '\r' <"$log_dir/last-console$suffix.log" | sed -n '/Run \/init as init process/,$p'
      else
        echo "----- $name: console log ($log_dir/last-console$suffix.log) -----"
        tr -d '\r' <"$log_dir/last-console$suffix.log"
      fi
      echo "----- end of console log -----"
    } >&2
  fi
done

if [ -n "$t_start" ]; then
  say "boot to command $(elapsed "$t0" "$t_start")s, command $(elapsed "$t_start" "$t_end")s, total $(elapsed "$t0" "$t_end")s; exit status $rc"
else
  say "total $(elapsed "$t0" "$t_end")s; exit status $rc"
fi
exit "$rc"
