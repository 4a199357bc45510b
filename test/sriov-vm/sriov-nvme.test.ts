/**
 * Real SR-IOV against a real kernel: QEMU's emulated NVMe controller with
 * SR-IOV, inside the Soft-RoCE VM:
 *   bash test/rxe/run-in-vm.sh --nvme-sriov -- npx vitest run test/sriov-vm
 * Elsewhere this suite is skipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverSriov } from '../../lib/sriov/discover.js';
import { setNumVfs } from '../../lib/sriov/set-num-vfs.js';
import type { SriovTopology } from '../../lib/sriov/types.js';
import { repoRoot } from '../repo-root.js';

const PF = '0000:01:00.0';
const PF_DIR = `/sys/bus/pci/devices/${PF}`;
const CLI = join(repoRoot, 'dist', 'lib', 'cli', 'main.js');

function skipReason(): string | undefined {
  if (process.env['VRDMA_IN_VM'] !== '1') return 'not inside the VM (VRDMA_IN_VM is not 1); run: bash test/rxe/run-in-vm.sh --nvme-sriov -- npx vitest run test/sriov-vm';
  if (!existsSync(`${PF_DIR}/sriov_totalvfs`)) return `${PF_DIR}/sriov_totalvfs does not exist; start the VM with --nvme-sriov`;
  return undefined;
}

const reason = skipReason();
const suite = reason === undefined ? describe : describe.skip;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => undefined, (e: unknown) => e);
}

suite(`SR-IOV on QEMU's NVMe controller${reason ? ` (skipped: ${reason})` : ''}`, () => {
  beforeAll(async () => {
    await setNumVfs(PF, 0);
  });
  afterAll(async () => {
    await setNumVfs(PF, 0);
  });

  it('sees the PF with SR-IOV and no VFs yet', () => {
    const pf = discoverSriov().physicalFunctions.find((p) => p.pciAddress === PF);
    expect(pf).toMatchObject({ pciAddress: PF, totalVfs: 4, numVfs: 0, vfs: [], vendorId: '0x1b36', deviceId: '0x0010' });
  });

  it('enables 2 VFs and discovers them with physfn links and indexes 0 and 1', async () => {
    expect(await setNumVfs(PF, 2)).toEqual({ pciAddress: PF, previous: 0, numVfs: 2, writes: [2] });
    const t = discoverSriov();
    const pf = t.physicalFunctions.find((p) => p.pciAddress === PF);
    expect(pf).toMatchObject({ totalVfs: 4, numVfs: 2 });
    expect(pf?.vfs.map((v) => [v.vfIndex, v.pciAddress, v.pf])).toEqual([
      [0, '0000:01:00.1', PF],
      [1, '0000:01:00.2', PF],
    ]);
    for (const vf of pf?.vfs ?? []) {
      expect(basename(readlinkSync(`/sys/bus/pci/devices/${vf.pciAddress}/physfn`))).toBe(PF);
      expect(vf.assignedToVm).toBe(false);
    }
    expect(t.warnings.filter((w) => w.includes('0000:01:00'))).toEqual([]);
  });

  it('"vrdma sriov --json" shows the same tree', () => {
    const r = spawnSync(process.execPath, [CLI, 'sriov', '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout) as SriovTopology;
    const pf = t.physicalFunctions.find((p) => p.pciAddress === PF);
    expect(pf?.numVfs).toBe(2);
    expect(pf?.vfs.map((v) => [v.vfIndex, v.pciAddress])).toEqual([[0, '0000:01:00.1'], [1, '0000:01:00.2']]);
  });

  it('the kernel refuses a direct non-zero to non-zero change (EBUSY), which is why setNumVfs goes through 0', async () => {
    let code: string | undefined;
    try {
      writeFileSync(`${PF_DIR}/sriov_numvfs`, '1');
    } catch (e) {
      code = (e as NodeJS.ErrnoException).code;
    }
    expect(code).toBe('EBUSY');
    expect(await setNumVfs(PF, 1)).toEqual({ pciAddress: PF, previous: 2, numVfs: 1, writes: [0, 1] });
    expect(discoverSriov().physicalFunctions.find((p) => p.pciAddress === PF)?.vfs.map((v) => v.pciAddress)).toEqual(['0000:01:00.1']);
  });

  it('refuses a VF and an over-limit count with the library errors', async () => {
    expect(await rejection(setNumVfs('0000:01:00.1', 1))).toMatchObject({ code: 'ERR_NO_SRIOV' });
    expect(await rejection(setNumVfs(PF, 5))).toMatchObject({ code: 'ERR_VF_LIMIT', totalVfs: 4 });
  });

  it('sets back to 0', async () => {
    expect((await setNumVfs(PF, 0)).numVfs).toBe(0);
    expect(discoverSriov().physicalFunctions.find((p) => p.pciAddress === PF)?.vfs).toEqual([]);
  });
});
