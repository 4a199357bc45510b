# Sourced by the Soft-RoCE VM scripts: sets $cache_dir (created if missing)
# and $kernel_dir. The cache is per user, never inside a project:
# $VRDMA_CACHE_DIR, else $XDG_CACHE_HOME/vrdma, else ~/.cache/vrdma.
# shellcheck shell=bash
if [ -n "${VRDMA_CACHE_DIR:-}" ]; then
  cache_dir="$VRDMA_CACHE_DIR"
elif [ -n "${XDG_CACHE_HOME:-}" ]; then
  cache_dir="$XDG_CACHE_HOME/vrdma"
else
  cache_dir="${HOME:?HOME is not set}/.cache/vrdma"
fi
mkdir -p "$cache_dir"
cache_dir="$(cd -P "$cache_dir" && pwd)"
kernel_dir="$cache_dir/kernel"
