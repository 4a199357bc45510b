# Sourced: apt_update runs `apt-get update` once per script run, with the
# caller's sudo_cmd array and its say/die functions.
# shellcheck shell=bash
apt_updated=0
apt_update() {
  if [ "$apt_updated" -eq 0 ]; then
    say "apt-get update"
    "${sudo_cmd[@]}" apt-get update -qq || die "apt-get update failed"
    apt_updated=1
  fi
}
