#!/usr/bin/env bash
# Installs what the Soft-RoCE VM runner needs and caches a Debian kernel.
#
#   bash test/rxe/install-deps.sh
#
# 1. Debian packages: QEMU, static busybox, rdma-core userspace, perftest...
#    Only missing packages are installed.
# 2. The plain (not -cloud) Debian kernel that `linux-image-amd64` depends on
#    is downloaded with `apt-get download` and unpacked with `dpkg-deb -x`
#    into the user's cache (softroce/fetch-kernel.sh). Skipped if cached.
#
# Safe to run again: every step checks whether it is already done.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

say() { printf 'install-deps: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

packages=(
  qemu-system-x86 busybox-static rdma-core ibverbs-providers libibverbs-dev
  librdmacm-dev rdmacm-utils perftest ibverbs-utils kmod cpio iproute2
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

# shellcheck source=../../softroce/apt-update.sh
. "$repo/softroce/apt-update.sh"

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

# Into the user's cache (softroce/fetch-kernel.sh: apt-get download of the
# plain Debian kernel); one already unpacked in .vm/kernel is copied instead.
from=()
[ -f "$repo/.vm/kernel/current" ] && from=(--from "$repo/.vm/kernel")
kver="$(bash "$repo/softroce/fetch-kernel.sh" "${from[@]+"${from[@]}"}")" || die "no guest kernel"
say "kernel: $kver cached"
