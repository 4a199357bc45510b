#!/usr/bin/env bash
# Installs what the Soft-RoCE VM runner needs and caches a Debian kernel.
#
#   bash test/rxe/install-deps.sh
#
# 1. Debian packages: QEMU, static busybox, rdma-core userspace, perftest...
#    Only missing packages are installed.
# 2. The plain (not -cloud) Debian kernel that `linux-image-amd64` depends on
#    is downloaded with `apt-get download` and unpacked with `dpkg-deb -x`
#    into .vm/kernel/ at the repository root. Skipped if already unpacked.
#
# Safe to run again: every step checks whether it is already done.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
vm_dir="${VRDMA_VM_DIR:-$repo/.vm}"
kernel_dir="$vm_dir/kernel"

say() { printf 'install-deps: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

packages=(
  qemu-system-x86 busybox-static rdma-core ibverbs-providers libibverbs-dev
  librdmacm-dev perftest ibverbs-utils kmod cpio iproute2
  cmake pkg-config g++ make
)

command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script supports Debian/Ubuntu hosts only"
command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found"

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    die "not root and sudo is not available; run as root"
  fi
fi

is_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

missing=()
for p in "${packages[@]}"; do
  is_installed "$p" || missing+=("$p")
done

apt_updated=0
apt_update() {
  if [ "$apt_updated" -eq 0 ]; then
    say "apt-get update"
    "${sudo_cmd[@]}" apt-get update -qq || die "apt-get update failed"
    apt_updated=1
  fi
}

if [ "${#missing[@]}" -gt 0 ]; then
  apt_update
  say "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]}"
  for p in "${missing[@]}"; do
    is_installed "$p" || die "package $p is still not installed"
  done
else
  say "packages: all present"
fi

for tool in qemu-system-x86_64 depmod cpio ip; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found on PATH after installing packages"
done
[ -x /bin/busybox ] || die "/bin/busybox missing (package busybox-static)"

# --- kernel -----------------------------------------------------------------

# The kernel is cached as .vm/kernel/<version>/{boot,lib}; .vm/kernel/current
# names the version in use.
if [ -f "$kernel_dir/current" ]; then
  kver="$(cat "$kernel_dir/current")"
  if [ -n "$kver" ] && [ -f "$kernel_dir/$kver/boot/vmlinuz-$kver" ] \
     && [ -f "$kernel_dir/$kver/lib/modules/$kver/modules.dep" ]; then
    say "kernel: $kver already unpacked in ${kernel_dir#"$repo"/}"
    exit 0
  fi
fi

# Which kernel does the metapackage point at? e.g. linux-image-6.1.0-56-amd64.
resolve_kernel_pkg() {
  apt-cache depends linux-image-amd64 2>/dev/null \
    | awk '/^ *Depends: linux-image-[0-9]/ { print $2; exit }'
}
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

mkdir -p "$kernel_dir/debs"
deb="$(find "$kernel_dir/debs" -maxdepth 1 -name "${kpkg}_*.deb" -print -quit)"
if [ -z "$deb" ]; then
  say "downloading $kpkg"
  # apt-get download writes into the current directory. As root it would
  # switch to the _apt user, who cannot write here; download as root instead.
  dl=(apt-get download -o APT::Sandbox::User=root "$kpkg")
  ( cd "$kernel_dir/debs" && "${dl[@]}" ) \
    || { apt_update; ( cd "$kernel_dir/debs" && "${dl[@]}" ); } \
    || die "apt-get download $kpkg failed"
  deb="$(find "$kernel_dir/debs" -maxdepth 1 -name "${kpkg}_*.deb" -print -quit)"
  [ -n "$deb" ] || die "download of $kpkg produced no .deb"
fi

say "unpacking $(basename "$deb")"
tmp="$kernel_dir/.unpack.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
dpkg-deb -x "$deb" "$tmp" || { rm -rf "$tmp"; die "dpkg-deb -x failed"; }
[ -f "$tmp/boot/vmlinuz-$kver" ] || { rm -rf "$tmp"; die "no boot/vmlinuz-$kver in $kpkg"; }
[ -n "$(find "$tmp/lib/modules/$kver" -name 'rdma_rxe.ko*' -print -quit)" ] \
  || { rm -rf "$tmp"; die "$kpkg has no rdma_rxe module"; }
depmod -b "$tmp" "$kver" || { rm -rf "$tmp"; die "depmod -b failed"; }
# Only the kernel image and modules are kept.
rm -rf "${tmp:?}/usr" "${tmp:?}/etc"
rm -rf "${kernel_dir:?}/$kver"
mv "$tmp" "$kernel_dir/$kver"
printf '%s\n' "$kver" >"$kernel_dir/current"
rm -rf "${kernel_dir:?}/debs"
say "kernel: $kver unpacked in ${kernel_dir#"$repo"/}"
