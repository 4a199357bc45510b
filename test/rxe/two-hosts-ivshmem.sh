#!/usr/bin/env bash
# Runs on both VMs of `vrdma softroce run --hosts 2 --ivshmem MIB` (see
# test/rxe/two-hosts.sh): proves that the two guests map one memory. Host 0
# writes a pattern into the ivshmem BAR and raises a flag; host 1 waits for
# the flag, checks every byte, writes its own pattern and answers; host 0
# checks that answer. Exits 1 on a wrong byte or after 120 s without an answer.
set -euo pipefail
: "${VRDMA_HOST_INDEX:?run this through vrdma softroce run --hosts 2 --ivshmem MIB}"
: "${VRDMA_IVSHMEM:?run this through vrdma softroce run --hosts 2 --ivshmem MIB}"
echo "host $VRDMA_HOST_INDEX: ivshmem at $VRDMA_IVSHMEM, ${VRDMA_IVSHMEM_BYTES:-?} bytes"
exec python3 - "$VRDMA_IVSHMEM" "$VRDMA_HOST_INDEX" <<'PY'
import mmap, os, struct, sys, time
path, me = sys.argv[1], int(sys.argv[2])
fd = os.open(path, os.O_RDWR | os.O_SYNC)
size = os.fstat(fd).st_size
m = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
N = 65536
def pattern(seed):
    return bytes((i * 7 + seed) & 0xFF for i in range(N))
def wait_flag(off, want):
    end = time.time() + 120
    while time.time() < end:
        if struct.unpack_from('<I', m, off)[0] == want:
            return
        time.sleep(0.01)
    sys.exit(f'host {me}: no flag {want:#x} at offset {off} after 120 s')
FLAG0, FLAG1, DATA0, DATA1 = 0, 4, 4096, 4096 + N
if me == 0:
    struct.pack_into('<I', m, FLAG1, 0)
    m[DATA0:DATA0 + N] = pattern(3)
    struct.pack_into('<I', m, FLAG0, 0x1A11D0)
    wait_flag(FLAG1, 0x2B22D1)
    if m[DATA1:DATA1 + N] != pattern(11):
        sys.exit('host 0: the answer in shared memory is wrong')
    print(f'host 0: host 1 read {N} bytes of mine and wrote {N} I read back, through ivshmem')
else:
    wait_flag(FLAG0, 0x1A11D0)
    if m[DATA0:DATA0 + N] != pattern(3):
        sys.exit('host 1: the pattern in shared memory is wrong')
    m[DATA1:DATA1 + N] = pattern(11)
    struct.pack_into('<I', m, FLAG1, 0x2B22D1)
    print(f'host 1: read {N} bytes written by host 0 and answered, through ivshmem')
PY
