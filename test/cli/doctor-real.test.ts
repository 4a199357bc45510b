/**
 * `vrdma doctor` against the real machine it runs on (no fixtures): inside
 * the Soft-RoCE VM it must report rxe0 active; on a kernel without RDMA it
 * must say so and point at the VM runner.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonOf, runVrdma } from './run-vrdma.js';

interface DoctorJson {
  ok: boolean;
  usable: string[];
  checks: { id: string; status: 'ok' | 'off' | 'warn' | 'fail'; detail: string; fix?: string; help?: string }[];
}

const inVm = process.env['VRDMA_IN_VM'] === '1';
const kernelHasRdma = existsSync('/sys/class/infiniband');

function check(d: DoctorJson, id: string): DoctorJson['checks'][number] {
  const c = d.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${JSON.stringify(d)}`);
  return c;
}

describe.skipIf(!inVm)('vrdma doctor inside the Soft-RoCE VM (real kernel)', () => {
  it('reports rxe0 with an active port, rdma_rxe loaded and the native provider usable', () => {
    // One run (starting Node is slow under emulation): --require native must pass here.
    const r = runVrdma(['doctor', '--json', '--require', 'native'], { VRDMA_SYSFS: '/sys' });
    expect(r.code).toBe(0);
    const d = jsonOf(r) as DoctorJson;
    expect(d.usable).toEqual(['native', 'loopback']);
    expect(check(d, 'rdma-devices')).toMatchObject({ status: 'ok', detail: expect.stringContaining('rxe0') });
    expect(check(d, 'rdma-devices').detail).toContain('ACTIVE');
    expect(check(d, 'rxe')).toMatchObject({ status: 'ok', detail: expect.stringContaining('rxe0 (active)') });
    expect(check(d, 'native')).toMatchObject({ status: 'ok', detail: expect.stringContaining('rxe0') });
  });
});

describe.skipIf(inVm || kernelHasRdma)('vrdma doctor on this host (kernel without RDMA)', () => {
  it('exits 0 because loop0 works, and explains that the kernel lacks RDMA', () => {
    const r = runVrdma(['doctor', '--json'], { VRDMA_SYSFS: '/sys' });
    expect(r.code).toBe(0);
    const d = jsonOf(r) as DoctorJson;
    expect(d.usable).toEqual(['loopback']);
    const rxe = check(d, 'rxe');
    expect(rxe.status).toBe('off');
    expect(rxe.detail).toMatch(/built without RDMA/);
    expect(check(d, 'native').status).toBe('off');
  });

  it('exits 1 under --require native', () => {
    expect(runVrdma(['doctor', '--require', 'native'], { VRDMA_SYSFS: '/sys' }).code).toBe(1);
  });
});
