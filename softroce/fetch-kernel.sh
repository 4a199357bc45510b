#!/usr/bin/env bash
# Puts Debian's plain kernel (image and modules, with rdma_rxe) into the
# user's cache for the Soft-RoCE VM, and prints its version.
#
#   bash fetch-kernel.sh [--from DIR]
#
# The kernel package is the one `linux-image-amd64` depends on (for example
# linux-image-6.1.0-57-amd64), fetched with `apt-get download` and unpacked
# with `dpkg-deb -x` into <cache>/kernel/<version>/; <cache>/kernel/current
# names the version in use. Nothing else is downloaded. The -cloud flavour
# has no rdma_rxe and is refused. With --from DIR, a folder with the same
# layout (DIR/current, DIR/<version>/...) is copied (hard links where
# possible) instead, when the cache has no kernel yet.
#
# <cache> is $VRDMA_CACHE_DIR, else $XDG_CACHE_HOME/vrdma, else
# ~/.cache/vrdma. Safe to run again: a cached kernel is kept. Exits 1 with
# the reason when the kernel cannot be obtained.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=cache-dir.sh
. "$here/cache-dir.sh"

say() { printf 'vrdma softroce: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

from=""
while [ $# -gt 0 ]; do
  case "$1" in
    --from) [ $# -ge 2 ] || die "--from needs a folder"; from="$2"; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done

# cached DIR: prints the version when DIR holds a complete kernel.
cached() {
  local dir="$1" v
  [ -f "$dir/current" ] || return 1
  v="$(cat "$dir/current")"
  [ -n "$v" ] && [ -f "$dir/$v/boot/vmlinuz-$v" ] && [ -f "$dir/$v/lib/modules/$v/modules.dep" ] || return 1
  printf '%s\n' "$v"
}

if kver="$(cached "$kernel_dir")"; then
  printf '%s\n' "$kver"
  exit 0
fi
mkdir -p "$kernel_dir"

if [ -n "$from" ] && kver="$(cached "$from")"; then
  tmp="$kernel_dir/.copy.$$"
  rm -rf "$tmp"
  cp -al "$from/$kver" "$tmp" 2>/dev/null || cp -a "$from/$kver" "$tmp" || { rm -rf "$tmp"; die "cannot copy $from/$kver"; }
  rm -rf "${kernel_dir:?}/$kver"
  mv "$tmp" "$kernel_dir/$kver"
  printf '%s\n' "$kver" >"$kernel_dir/current"
  say "kernel $kver copied from $from into $kernel_dir"
  printf '%s\n' "$kver"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || die "apt-get not found: the guest kernel comes from Debian's registry (Debian/Ubuntu hosts only)"
command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found"
command -v depmod >/dev/null 2>&1 || die "depmod not found (package kmod)"

sudo_cmd=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
  sudo_cmd=(sudo)
fi

resolve_kernel_pkg() {
  apt-cache depends linux-image-amd64 2>/dev/null \
    | awk '/^ *Depends: linux-image-[0-9]/ { print $2; exit }'
}
# shellcheck source=apt-update.sh
. "$here/apt-update.sh"
kpkg="$(resolve_kernel_pkg || true)"
if [ -z "$kpkg" ]; then
  apt_update
  kpkg="$(resolve_kernel_pkg || true)"
fi
[ -n "$kpkg" ] || die "cannot resolve the kernel package that linux-image-amd64 depends on (apt-cache depends linux-image-amd64)"
case "$kpkg" in
  *-cloud-amd64) die "$kpkg is the -cloud flavour, which has no rdma_rxe; a plain -amd64 kernel is needed" ;;
esac
kver="${kpkg#linux-image-}"

debs="$kernel_dir/.debs.$$"
tmp="$kernel_dir/.unpack.$$"
trap 'rm -rf "$debs" "$tmp"' EXIT
mkdir -p "$debs"
say "downloading $kpkg (apt-get download)"
# apt-get download writes into the current directory. As root it would
# switch to the _apt user, who cannot write here; download as root instead.
dl=(apt-get download -o APT::Sandbox::User="$(id -un)" "$kpkg")
( cd "$debs" && "${dl[@]}" ) \
  || { apt_update; ( cd "$debs" && "${dl[@]}" ); } \
  || die "apt-get download $kpkg failed"
deb="$(find "$debs" -maxdepth 1 -name "${kpkg}_*.deb" -print -quit)"
[ -n "$deb" ] || die "download of $kpkg produced no .deb"

say "unpacking $(basename "$deb")"
mkdir -p "$tmp"
dpkg-deb -x "$deb" "$tmp" || die "dpkg-deb -x failed"
[ -f "$tmp/boot/vmlinuz-$kver" ] || die "no boot/vmlinuz-$kver in $kpkg"
[ -n "$(find "$tmp/lib/modules/$kver" -name 'rdma_rxe.ko*' -print -quit)" ] || die "$kpkg has no rdma_rxe module"
depmod -b "$tmp" "$kver" || die "depmod -b failed"
# Only the kernel image and modules are kept.
rm -rf "${tmp:?}/usr" "${tmp:?}/etc"
rm -rf "${kernel_dir:?}/$kver"
mv "$tmp" "$kernel_dir/$kver"
printf '%s\n' "$kver" >"$kernel_dir/current"
say "kernel $kver unpacked in $kernel_dir"
printf '%s\n' "$kver"
