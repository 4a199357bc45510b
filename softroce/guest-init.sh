#!/bin/sh
# PID 1 of the Soft-RoCE VM (runs from the initramfs under static busybox).
#
# Kernel command line (set by run-vm.sh):
#   vrdma_project=PATH  project folder; shared read-write as 9p tag "project"
#   vrdma_job=PATH      this VM's job folder (guest-run.sh, env.sh, cmd.sh,
#                       status), shared read-write as 9p tag "job"
#   vrdma_kmods=PATH    the guest kernel's modules in the host root (optional)
#   vrdma_nvme=0|1      also load the NVMe modules (--nvme-sriov)
#
# Steps: load modules, mount the host root (9p tag "hostroot", read-only)
# under a tmpfs overlay so the guest can write anywhere without touching the
# host, mount the project and the job folder at their own paths, mount
# proc/sys/dev/tmp, chroot and run the job's guest-run.sh, print the
# exit-status marker, power off.
# Console (ttyS0) gets these messages and the kernel log; the command's own
# output goes to ttyS1.

PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH
/bin/busybox --install -s

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

log() { echo "vrdma-init: $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
power_off() {
  sync
  poweroff -f
  # Not reached unless ACPI power-off failed.
  echo o >/proc/sysrq-trigger
  sleep 10
}
fail() {
  log "error: $*"
  echo "VRDMA_SETUP_FAILED: $*"
  power_off
}

project=""
job=""
kmods=""
nvme=0
rootcache=loose
repocache=none
# shellcheck disable=SC2013  # the command line is split into words on purpose
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    vrdma_project=*) project="${arg#vrdma_project=}" ;;
    vrdma_job=*) job="${arg#vrdma_job=}" ;;
    vrdma_kmods=*) kmods="${arg#vrdma_kmods=}" ;;
    vrdma_nvme=*) nvme="${arg#vrdma_nvme=}" ;;
    vrdma_rootcache=*) rootcache="${arg#vrdma_rootcache=}" ;;
    vrdma_repocache=*) repocache="${arg#vrdma_repocache=}" ;;
  esac
done
[ -n "$project" ] || fail "vrdma_project= missing from the kernel command line"
[ -n "$job" ] || fail "vrdma_job= missing from the kernel command line"
kver="$(cat /etc/vrdma/kver)"
[ "$kver" = "$(uname -r)" ] || fail "initramfs built for $kver but kernel is $(uname -r)"

log "kernel $kver up at $(uptime_s)s; loading modules"
lists=/etc/vrdma/modules.base
[ "$nvme" = 1 ] && lists="$lists /etc/vrdma/modules.nvme"
for list in $lists; do
  while read -r m; do
    [ -n "$m" ] || continue
    insmod "/lib/modules/$m.ko" || fail "insmod $m failed"
  done <"$list"
done
log "modules loaded at $(uptime_s)s"

p9opts=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o "ro,$p9opts,cache=$rootcache" hostroot /lower || fail "cannot mount the host root (9p tag hostroot)"
mount -t tmpfs -o mode=0755 tmpfs /upper || fail "cannot mount tmpfs for the overlay"
mkdir -p /upper/data /upper/work
if ! mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work overlay /newroot; then
  log "overlay mount failed; the guest root stays read-only"
  mount -o bind /lower /newroot || fail "cannot bind the host root"
fi
r=/newroot
mount -t proc proc "$r/proc" || fail "mount proc"
mount -t sysfs sysfs "$r/sys" || fail "mount sysfs"
mount -t devtmpfs devtmpfs "$r/dev" || fail "mount devtmpfs"
mkdir -p "$r/dev/pts" "$r/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$r/dev/pts" || fail "mount devpts"
mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm" || fail "mount /dev/shm"
mount -t tmpfs -o mode=1777 tmpfs "$r/tmp" || fail "mount /tmp"
mount -t tmpfs -o mode=0755 tmpfs "$r/run" || fail "mount /run"
# The project and the job folder last, so a folder under /tmp or /run is not
# hidden by the fresh tmpfs mounted there. Both exist in the host root; the
# overlay lets mkdir create the mount points when they are not visible yet.
mkdir -p "$r$project" "$r$job" || fail "cannot create the mount points for $project and $job"
mount -t 9p -o "$p9opts,cache=$repocache" project "$r$project" || fail "cannot mount the project folder (9p tag project)"
mount -t 9p -o "$p9opts,cache=none" job "$r$job" || fail "cannot mount the job folder (9p tag job)"
# The guest kernel's modules, so that modprobe works inside (optional).
if [ -n "$kmods" ] && [ -d "$r$kmods" ] && mkdir -p "$r/lib/modules/$kver" 2>/dev/null; then
  mount -o bind "$r$kmods" "$r/lib/modules/$kver" || log "no /lib/modules/$kver inside (bind failed)"
fi

# Command output goes to ttyS1 untranslated (no CR/LF mapping, no echo).
stty -F /dev/ttyS1 raw -echo 2>/dev/null || log "stty on ttyS1 failed"

log "root ready at $(uptime_s)s; running guest-run.sh"
chroot "$r" /bin/bash "$job/guest-run.sh" "$job" </dev/null
rc=$?
log "guest-run.sh exited $rc at $(uptime_s)s"

if [ -f "$r$job/status" ]; then
  echo "VRDMA_EXIT_STATUS=$(cat "$r$job/status")"
else
  echo "VRDMA_SETUP_FAILED: guest-run.sh exited $rc before running the command"
fi
power_off
