/**
 * `vrdma softroce` against the real machine it runs on (no fixtures), in
 * this process (starting Node is slow under emulation): on a kernel without
 * RDMA, status says so and exits 1; inside the Soft-RoCE VM it lists rxe0 on
 * veth0 and exits 0, and `run` runs the command right there.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../lib/cli/run-cli.js';
import type { CliIo } from '../../lib/cli/io.js';

interface StatusJson {
  inVm: boolean; rdmaCore: boolean; canCreateRxe: boolean; missing: string[];
  links: { name: string; driver: string; netdev?: string; active: boolean }[];
}

const inVm = process.env['VRDMA_IN_VM'] === '1';
const kernelHasRdma = existsSync('/sys/class/infiniband');

async function vrdma(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stderrIsTty: false, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } };
  const code = await runCli(args, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe.skipIf(!inVm)('vrdma softroce inside the Soft-RoCE VM (real kernel)', () => {
  it('status lists rxe0 on veth0, ACTIVE, and exits 0', async () => {
    const r = await vrdma(['softroce', 'status', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as StatusJson;
    expect(s).toMatchObject({ inVm: true, rdmaCore: true, canCreateRxe: true });
    expect(s.links).toContainEqual({ name: 'rxe0', driver: 'rxe', netdev: 'veth0', active: true });
  });

  it('run runs the command here, with VRDMA_HOST_INDEX=0, and returns its exit status', async () => {
    const r = await vrdma(['softroce', 'run', '--', 'sh', '-c', '[ "$VRDMA_HOST_INDEX" = 0 ] && [ -e /sys/class/infiniband/rxe0 ] && exit 7; exit 1']);
    expect(r.code).toBe(7);
  });
});

describe.skipIf(inVm || kernelHasRdma)('vrdma softroce on this host (kernel without RDMA)', () => {
  it('status says the kernel has no RDMA and exits 1', async () => {
    const r = await vrdma(['softroce', 'status', '--json']);
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout) as StatusJson;
    expect(s).toMatchObject({ inVm: false, rdmaCore: false, canCreateRxe: false, links: [] });
    expect(s.missing[0]).toContain('built without RDMA');
  });
});
