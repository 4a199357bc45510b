#!/usr/bin/env bash
# Runs on both VMs of `vrdma softroce run --hosts 2` (see test/rxe/two-hosts.sh):
# host 0 is the ib_send_bw server, host 1 the client, over rxe0 on the
# private link between them. Small on purpose: TCG guests are slow.
set -euo pipefail
: "${VRDMA_HOST_INDEX:?run this through vrdma softroce run --hosts 2}"
: "${VRDMA_PEER_ADDR:?run this through vrdma softroce run --hosts 2}"
iters="${VRDMA_SEND_BW_ITERS:-200}"

# The RoCEv2 GID of this host's IPv4 address (::ffff:10.99.0.N).
gid_index() {
  local port=/sys/class/infiniband/rxe0/ports/1 f i
  for f in "$port"/gids/*; do
    i="${f##*/}"
    case "$(cat "$f")" in
      0000:0000:0000:0000:0000:ffff:*)
        [ "$(cat "$port/gid_attrs/types/$i" 2>/dev/null)" = "RoCE v2" ] && { echo "$i"; return 0; } ;;
    esac
  done
  return 1
}

echo "host $VRDMA_HOST_INDEX: $(hostname), $(ip -4 -o addr show eth0 | awk '{print $4}'), peer $VRDMA_PEER_ADDR"
gid="$(gid_index)" || { echo "no RoCEv2 IPv4 GID on rxe0"; exit 1; }
echo "rxe0 GID index $gid"
common=(-d rxe0 -i 1 -x "$gid" -s 4096 -n "$iters" -F)
if [ "$VRDMA_HOST_INDEX" = 0 ]; then
  ib_send_bw "${common[@]}"
else
  for _ in $(seq 1 60); do
    if ib_send_bw "${common[@]}" "$VRDMA_PEER_ADDR"; then exit 0; fi
    echo "server at $VRDMA_PEER_ADDR not listening yet; retrying"
    sleep 2
  done
  exit 1
fi
