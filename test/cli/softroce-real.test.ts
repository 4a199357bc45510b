/**
 * `vrdma softroce` against the real machine it runs on (no fixtures): on a
 * kernel without RDMA, status says so and exits 1; inside the Soft-RoCE VM it
 * lists rxe0 on veth0 and exits 0, and `run` runs the command right there.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonOf, runVrdma } from './run-vrdma.js';

interface StatusJson {
  inVm: boolean; rdmaCore: boolean; canCreateRxe: boolean; missing: string[];
  links: { name: string; driver: string; netdev?: string; active: boolean }[];
}

const inVm = process.env['VRDMA_IN_VM'] === '1';
const kernelHasRdma = existsSync('/sys/class/infiniband');

describe.skipIf(!inVm)('vrdma softroce inside the Soft-RoCE VM (real kernel)', () => {
  it('status lists rxe0 on veth0, ACTIVE, and exits 0', () => {
    const r = runVrdma(['softroce', 'status', '--json'], { VRDMA_IN_VM: '1' });
    expect(r.code, r.stderr).toBe(0);
    const s = jsonOf(r) as StatusJson;
    expect(s).toMatchObject({ inVm: true, rdmaCore: true, canCreateRxe: true });
    expect(s.links).toContainEqual({ name: 'rxe0', driver: 'rxe', netdev: 'veth0', active: true });
  });

  it('run runs the command here, with its exit status', () => {
    const r = runVrdma(['softroce', 'run', '--', 'sh', '-c', 'echo "index=$VRDMA_HOST_INDEX"; exit 7'], { VRDMA_IN_VM: '1' });
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('index=0\n');
  });
});

describe.skipIf(inVm || kernelHasRdma)('vrdma softroce on this host (kernel without RDMA)', () => {
  it('status says the kernel has no RDMA and exits 1', () => {
    const r = runVrdma(['softroce', 'status', '--json']);
    expect(r.code).toBe(1);
    const s = jsonOf(r) as StatusJson;
    expect(s).toMatchObject({ inVm: false, rdmaCore: false, canCreateRxe: false, links: [] });
    expect(s.missing[0]).toContain('built without RDMA');
  });
});
