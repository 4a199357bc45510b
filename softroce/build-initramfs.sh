#!/usr/bin/env bash
# Builds the tiny initramfs the Soft-RoCE VM boots with and prints its path.
#
#   bash build-initramfs.sh [KERNEL_VERSION]
#
# Contents: static busybox, /init (guest-init.sh), and the kernel modules the
# guest loads with insmod, in load order. The kernel comes from the user's
# cache (fetch-kernel.sh). The result is cached there as
# initramfs/initramfs-<kernel version>-<checksum>.cpio.gz, the checksum
# covering this script, guest-init.sh, busybox and the kernel's modules.dep,
# so it is built once per combination.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=cache-dir.sh
. "$here/cache-dir.sh"

say() { printf 'vrdma softroce: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
hint="install QEMU, busybox-static and cpio (Debian: apt-get install qemu-system-x86 busybox-static cpio)"

# Modules loaded on every boot, in this order. crc32_generic has no modules.dep
# link to rdma_rxe (it is looked up by algorithm name) but rdma_rxe cannot
# create a device without it. overlay gives the guest a writable root on top
# of the read-only host root. virtio_net is the link between two VMs
# (--hosts 2). configfs, ib_cm, iw_cm, rdma_cm and rdma_ucm are the
# connection manager (/dev/infiniband/rdma_cm, which librdmacm opens).
base_modules=(
  virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
  netfs fscache 9pnet 9pnet_virtio 9p overlay virtio_net
  crc32_generic ib_core ib_uverbs udp_tunnel ip6_udp_tunnel rdma_rxe veth
  configfs ib_cm iw_cm rdma_cm rdma_ucm
)
# Loaded only with --nvme-sriov (QEMU's emulated NVMe controller with SR-IOV).
# crc64_rocksoft_generic and crct10dif_generic provide crypto algorithms that
# the library modules after them look up by name.
nvme_modules=(
  crc64 crc64_rocksoft_generic crc64-rocksoft crct10dif_common crct10dif_generic
  crc-t10dif t10-pi nvme-core nvme
)

busybox="${VRDMA_BUSYBOX:-/bin/busybox}"
[ -x "$busybox" ] || die "$busybox not found; $hint"
if ! LC_ALL=C file -b "$busybox" 2>/dev/null | grep -q 'statically linked' \
   && ldd "$busybox" >/dev/null 2>&1; then
  die "$busybox is not statically linked (package busybox-static); $hint"
fi
command -v cpio >/dev/null 2>&1 || die "cpio not found; $hint"

kver="${1:-}"
if [ -z "$kver" ]; then
  [ -f "$kernel_dir/current" ] || die "no kernel in ${kernel_dir}; run: bash $here/fetch-kernel.sh"
  kver="$(cat "$kernel_dir/current")"
fi
moddir="$kernel_dir/$kver/lib/modules/$kver"
[ -f "$moddir/modules.dep" ] || die "no modules for kernel $kver in $moddir; run: bash $here/fetch-kernel.sh"

sum="$(
  {
    cat "${BASH_SOURCE[0]}" "$here/guest-init.sh"
    printf '%s\n' "$kver"
    cksum <"$busybox"
    cksum <"$moddir/modules.dep"
  } | cksum | cut -d' ' -f1
)"
out_dir="$cache_dir/initramfs"
out="$out_dir/initramfs-$kver-$sum.cpio.gz"
if [ -f "$out" ]; then
  printf '%s\n' "$out"
  exit 0
fi
mkdir -p "$out_dir"

# --- resolve module files and dependencies from modules.dep -------------------

# Module names are compared with "-" as "_", as the kernel does. Plain
# parameter expansion, no command substitution: modules.dep has thousands of
# lines, and a fork per line costs most of a minute on a busy machine.

declare -A mod_path=()   # normalised name -> path relative to $moddir
declare -A mod_deps=()   # normalised name -> space-separated normalised deps
while IFS= read -r line; do
  path="${line%%:*}"
  deps="${line#*:}"
  file="${path##*/}"
  name="${file%%.ko*}"
  name="${name//-/_}"
  mod_path[$name]="$path"
  d_names=""
  for d in $deps; do
    f="${d##*/}"
    f="${f%%.ko*}"
    d_names+="${f//-/_} "
  done
  mod_deps[$name]="$d_names"
done <"$moddir/modules.dep"

declare -A placed=()
resolve() {   # resolve LISTNAME MODULE: appends MODULE (after its deps) to LISTNAME
  local -n list_ref="$1"
  local n
  n="${2//-/_}"
  [ -n "${placed[$n]:-}" ] && return 0
  [ -n "${mod_path[$n]:-}" ] || die "module $2 not found in kernel $kver"
  # modules.dep lists the full closure; resolve each dependency's own
  # dependencies first so that the order is always valid.
  local d
  for d in ${mod_deps[$n]}; do
    resolve "$1" "$d"
  done
  placed[$n]=1
  list_ref+=("$n")
}

base_order=()
for m in "${base_modules[@]}"; do resolve base_order "$m"; done
nvme_order=()
for m in "${nvme_modules[@]}"; do resolve nvme_order "$m"; done

# --- assemble -----------------------------------------------------------------

work="$(mktemp -d "$out_dir/.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,lower,upper,newroot,lib/modules,etc/vrdma}
cp "$busybox" "$root/bin/busybox"
cp "$here/guest-init.sh" "$root/init"
chmod 0755 "$root/init" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"

copy_mods() {   # copy_mods LISTFILE NAMES...
  local listfile="$1" n src
  shift
  : >"$listfile"
  for n in "$@"; do
    src="$moddir/${mod_path[$n]}"
    case "$src" in
      *.ko) cp "$src" "$root/lib/modules/$n.ko" ;;
      *.ko.xz) xz -dc "$src" >"$root/lib/modules/$n.ko" ;;
      *.ko.zst) zstd -qdc "$src" >"$root/lib/modules/$n.ko" ;;
      *.ko.gz) gzip -dc "$src" >"$root/lib/modules/$n.ko" ;;
      *) die "unexpected module file $src" ;;
    esac
    printf '%s\n' "$n" >>"$listfile"
  done
}
copy_mods "$root/etc/vrdma/modules.base" "${base_order[@]}"
copy_mods "$root/etc/vrdma/modules.nvme" "${nvme_order[@]}"
printf '%s\n' "$kver" >"$root/etc/vrdma/kver"

# /dev/console comes from the kernel's built-in initramfs; /init mounts devtmpfs.
( cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet ) | gzip -6 >"$work/initramfs.cpio.gz"
mv -f "$work/initramfs.cpio.gz" "$out"
# Builds for older script versions, unused for a week, go.
find "$out_dir" -maxdepth 1 -name 'initramfs-*.cpio.gz' -mtime +7 -delete 2>/dev/null || true
say "built $out (base: ${base_order[*]}; nvme: ${nvme_order[*]})"
printf '%s\n' "$out"
