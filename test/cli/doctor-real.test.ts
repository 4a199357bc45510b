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
  checks: { id: string; status: 'ok' | 'warn' | 'fail'; detail: string; fix?: string }[];
}

const inVm = process.env['VRDMA_IN_VM'] === '1';
const kernelHasRdma = existsSync('/sys/class/infiniband');

function realDoctor(): DoctorJson {
  return jsonOf(runVrdma(['doctor', '--json'], { VRDMA_SYSFS: '/sys' })) as DoctorJson;
}

function check(d: DoctorJson, id: string): DoctorJson['checks'][number] {
  const c = d.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${JSON.stringify(d)}`);
  return c;
}

describe.skipIf(!inVm)('vrdma doctor inside the Soft-RoCE VM (real kernel)', () => {
  it('reports rxe0 with an active port, rdma_rxe loaded and libibverbs usable', () => {
    const d = realDoctor();
    expect(check(d, 'rdma-devices')).toMatchObject({ status: 'ok', detail: expect.stringContaining('rxe0') });
    expect(check(d, 'rdma-devices').detail).toContain('ACTIVE');
    expect(check(d, 'rxe')).toMatchObject({ status: 'ok', detail: expect.stringContaining('rxe0 (active)') });
    expect(check(d, 'libibverbs').status).toBe('ok');
  });
});

describe.skipIf(inVm || kernelHasRdma)('vrdma doctor on this host (kernel without RDMA)', () => {
  it('fails, explains that the kernel lacks RDMA and points at the VM runner', () => {
    const r = runVrdma(['doctor', '--json'], { VRDMA_SYSFS: '/sys' });
    expect(r.code).toBe(1);
    const d = jsonOf(r) as DoctorJson;
    const rxe = check(d, 'rxe');
    expect(rxe.status).toBe('fail');
    expect(rxe.detail).toMatch(/built without RDMA/);
    expect(rxe.fix).toContain('npm run test:rxe');
  });
});
