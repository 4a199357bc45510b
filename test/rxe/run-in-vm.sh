#!/usr/bin/env bash
# Boots a throwaway QEMU VM with Debian's kernel and runs a command inside it
# on a real Soft-RoCE device, rxe0.
#
#   bash test/rxe/run-in-vm.sh [options] -- COMMAND [ARGS...]
#
# Options:
#   --nvme-sriov       add QEMU's emulated NVMe controller with SR-IOV (PF at
#                      0000:01:00.0, up to 4 VFs) and load the NVMe modules
#   --timeout SECONDS  kill the VM after this long (default 1200, or
#                      $VRDMA_VM_TIMEOUT)
#   --memory MIB       guest memory (default 3072, or $VRDMA_VM_MEMORY)
#   --cpus N           guest vCPUs (default 2, or $VRDMA_VM_CPUS)
#   -e NAME[=VALUE]    pass one more environment variable into the guest
#
# Inside the guest the host's / is the root (read-only share under a
# throwaway tmpfs overlay), the repository is mounted read-write at its own
# path, rxe0 runs on veth0 (10.99.0.1/24), `ulimit -l` is unlimited,
# VRDMA_IN_VM=1, and the command runs in the repository folder. PATH, HOME,
# CI, LANG, LC_ALL, TZ, TERM, NODE_OPTIONS, FORCE_COLOR, NO_COLOR and every
# VRDMA_* variable are passed through.
#
# Exits with the command's exit status; 124 on timeout; 125 if the VM could
# not run the command (missing pieces, setup failure, kernel panic). The
# console log of the last run is kept in .vm/last-console.log and printed on
# failure; the command's output of the last run is in .vm/last-output.log.
# The command's stdout and stderr arrive merged on this script's stdout.
#
# More knobs (environment): VRDMA_VM_KARGS (extra kernel command line, e.g.
# "vrdma_repocache=loose"), VRDMA_VM_KEEP_JOB=1 (keep .vm/jobs/job.*),
# VRDMA_QEMU (QEMU binary).
#
# Run `bash test/rxe/install-deps.sh` once first.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
vm_dir="$repo/.vm"
kernel_dir="$vm_dir/kernel"

say() { printf 'run-in-vm: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 125; }
usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
  exit 125
}

nvme=0
timeout_s="${VRDMA_VM_TIMEOUT:-1200}"
memory="${VRDMA_VM_MEMORY:-3072}"
cpus="${VRDMA_VM_CPUS:-2}"
extra_env=()
while [ $# -gt 0 ]; do
  case "$1" in
    --nvme-sriov) nvme=1; shift ;;
    --timeout) [ $# -ge 2 ] || usage; timeout_s="$2"; shift 2 ;;
    --timeout=*) timeout_s="${1#*=}"; shift ;;
    --memory) [ $# -ge 2 ] || usage; memory="$2"; shift 2 ;;
    --cpus) [ $# -ge 2 ] || usage; cpus="$2"; shift 2 ;;
    -e) [ $# -ge 2 ] || usage; extra_env+=("$2"); shift 2 ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) say "unknown option $1"; usage ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { say "no command given"; usage; }
for n in "$timeout_s" "$memory" "$cpus"; do
  case "$n" in ''|*[!0-9]*) die "not a positive integer: $n" ;; esac
done

# Already inside the VM (e.g. `npm run test:rxe` from a command in the VM):
# just run the command.
if [ "${VRDMA_IN_VM:-}" = 1 ]; then
  cd "$repo"
  exec "$@"
fi

# --- prerequisites -----------------------------------------------------------

missing_hint="install with: bash test/rxe/install-deps.sh"
qemu="${VRDMA_QEMU:-qemu-system-x86_64}"
command -v "$qemu" >/dev/null 2>&1 \
  || die "$qemu not found (Debian package qemu-system-x86); $missing_hint"
[ -f "$kernel_dir/current" ] \
  || die "no guest kernel in ${kernel_dir} (the plain Debian linux-image-*-amd64 package, unpacked); $missing_hint"
kver="$(cat "$kernel_dir/current")"
vmlinuz="$kernel_dir/$kver/boot/vmlinuz-$kver"
[ -f "$vmlinuz" ] || die "guest kernel $vmlinuz missing; $missing_hint"
[ -f "$here/guest-run.sh" ] || die "$here/guest-run.sh missing"
# Inside the guest, the repository must be found at the same path in the
# host root, so $repo must be a real path (cd -P).
repo="$(cd -P "$repo" && pwd)"
case "$repo" in
  *[[:space:],]*) die "the repository path '$repo' contains whitespace or a comma, which the kernel command line and -virtfs cannot carry" ;;
esac

initramfs="$(bash "$here/build-initramfs.sh" "$kver")" || die "initramfs build failed"

# --- job folder (shared with the guest through the repository) ---------------

mkdir -p "$vm_dir/jobs"
job="$(mktemp -d "$vm_dir/jobs/job.XXXXXX")"
qpid=""
# shellcheck disable=SC2317  # called through trap
cleanup() {
  if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
    kill -TERM "$qpid" 2>/dev/null || true
    sleep 1
    kill -KILL "$qpid" 2>/dev/null || true
  fi
  if [ "${VRDMA_VM_KEEP_JOB:-}" != 1 ]; then
    rm -rf "$job"
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
    [ "$name" = VRDMA_IN_VM ] && continue
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
} >"$job/env.sh"
{
  printf 'cmd=('
  printf ' %q' "$@"
  printf ' )\n'
} >"$job/cmd.sh"

console="$job/console.log"
output="$job/output.log"

# --- boot ----------------------------------------------------------------------

# TCG, not KVM: /dev/kvm may exist on these machines, but KVM guests hang
# there (nested virtualisation).
# shellcheck disable=SC2054  # commas belong to QEMU option values
qemu_args=(
  -nodefaults -no-user-config -display none -no-reboot
  -accel tcg,thread=multi -machine q35 -cpu max -smp "$cpus" -m "$memory"
  -kernel "$vmlinuz" -initrd "$initramfs"
  -append "console=ttyS0,115200 panic=-1 mitigations=off vrdma_repo=$repo vrdma_job=$job vrdma_nvme=$nvme${VRDMA_VM_KARGS:+ $VRDMA_VM_KARGS}"
  -chardev "file,id=con,path=$console"
  -serial chardev:con
  -chardev "stdio,id=out,signal=off,logfile=$output"
  -serial chardev:out
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
  -virtfs "local,path=$repo,mount_tag=repo,security_model=none,multidevs=remap"
)
if [ "$nvme" = 1 ]; then
  # shellcheck disable=SC2054
  qemu_args+=(
    -device pcie-root-port,id=rp1,chassis=1
    -device nvme-subsys,id=subsys0
    -device nvme,bus=rp1,serial=deadbeef,subsys=subsys0,sriov_max_vfs=4,sriov_vq_flexible=16,sriov_vi_flexible=8,max_ioqpairs=18,msix_qsize=20
  )
fi

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

extras=""
[ "$nvme" = 1 ] && extras=", nvme-sriov"
say "booting $kver (tcg, ${cpus} vCPUs, ${memory} MiB$extras), timeout ${timeout_s}s"
t0="$(now)"
"$qemu" "${qemu_args[@]}" </dev/null &
qpid=$!

t_start=""
timed_out=0
deadline=$(( $(date +%s) + timeout_s ))
while kill -0 "$qpid" 2>/dev/null; do
  if [ -z "$t_start" ] && [ -e "$job/started" ]; then
    t_start="$(now)"
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    timed_out=1
    say "timeout after ${timeout_s}s; stopping qemu (pid $qpid)"
    kill -TERM "$qpid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 "$qpid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL "$qpid" 2>/dev/null || true
    break
  fi
  sleep 0.5
done
qrc=0
wait "$qpid" || qrc=$?
qpid=""
t_end="$(now)"
[ -z "$t_start" ] && [ -e "$job/started" ] && t_start="$t_end"

cp -f "$console" "$vm_dir/last-console.log" 2>/dev/null || : >"$vm_dir/last-console.log"
cp -f "$output" "$vm_dir/last-output.log" 2>/dev/null || : >"$vm_dir/last-output.log"

# --- result --------------------------------------------------------------------

rc=""
reason=""
if [ -f "$job/status" ]; then
  rc="$(tr -dc '0-9' <"$job/status")"
fi
if [ -z "$rc" ]; then
  marker="$(grep -a -o 'VRDMA_EXIT_STATUS=[0-9]*' "$console" 2>/dev/null | tail -n1 || true)"
  rc="${marker#VRDMA_EXIT_STATUS=}"
fi
if [ "$timed_out" = 1 ]; then
  reason="timed out after ${timeout_s}s"
  rc=124
elif [ -z "$rc" ]; then
  rc=125
  if grep -aq 'Kernel panic' "$console" 2>/dev/null; then
    reason="kernel panic"
  elif grep -aq 'VRDMA_SETUP_FAILED' "$console" 2>/dev/null; then
    reason="VM setup failed: $(grep -a -o 'VRDMA_SETUP_FAILED.*' "$console" | tail -n1 | tr -d '\r')"
  else
    reason="VM stopped without an exit status (qemu exit $qrc)"
  fi
fi

if [ -n "$t_start" ]; then
  say "boot to command $(elapsed "$t0" "$t_start")s, command $(elapsed "$t_start" "$t_end")s, total $(elapsed "$t0" "$t_end")s; exit status $rc"
else
  say "total $(elapsed "$t0" "$t_end")s; exit status $rc"
fi
if [ "$rc" != 0 ]; then
  [ -n "$reason" ] && say "$reason"
  {
    if [ -z "$reason" ]; then
      # The command ran and failed: the kernel boot log is noise, print the
      # console from the start of /init on (module loading, device setup and
      # any kernel messages while the command ran).
      echo "----- VM console log from /init on (full log: .vm/last-console.log) -----"
      tr -d '\r' <"$vm_dir/last-console.log" | sed -n '/Run \/init as init process/,$p'
    else
      echo "----- VM console log (.vm/last-console.log) -----"
      tr -d '\r' <"$vm_dir/last-console.log"
    fi
    echo "----- end of VM console log -----"
  } >&2
fi
exit "$rc"
