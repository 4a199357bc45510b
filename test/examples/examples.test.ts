// Every program in examples/ runs as written (built to dist/examples/ by
// `npm run build`), on the default device: loop0 here, rxe0 in the VM.
import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempFixture, type FixtureName } from '../sriov/fixtures/index.js';
import { freePort, runExample, type ExampleRun } from './run-example.js';

const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));

function expectOk(run: ExampleRun): void {
  expect(run.stderr, run.stdout).toBe('');
  expect(run.code, run.stderr).toBe(0);
}

async function twoProcesses(first: 'server' | 'client', startGapMs: number): Promise<[ExampleRun, ExampleRun]> {
  const port = String(await freePort());
  const second = first === 'server' ? 'client' : 'server';
  const a = runExample('two-processes', [first, port]);
  await sleep(startGapMs);
  const b = runExample('two-processes', [second, port]);
  const [ra, rb] = await Promise.all([a, b]);
  return first === 'server' ? [ra, rb] : [rb, ra];
}

/** Run the sriov example against a fixture sysfs tree; its stdout. */
async function sriovExampleOn(fixture: FixtureName): Promise<string> {
  const tree = tempFixture(fixture);
  try {
    const run = await runExample('sriov', [], { VRDMA_SYSFS: tree.root });
    expectOk(run);
    return run.stdout;
  } finally {
    tree.dispose();
  }
}

describe('examples', () => {
  it('every example is tested here and is under 80 lines', async () => {
    const { readFileSync } = await import('node:fs');
    const names = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '')).sort();
    expect(names).toEqual(['cm', 'sriov', 'two-processes', 'ud', 'workers']);
    for (const name of names) expect(readFileSync(`${EXAMPLES_DIR}${name}.ts`, 'utf8').split('\n').length - 1, name).toBeLessThan(80);
  });

  for (const [first, gap] of [['server', 300], ['client', 800], ['server', 0], ['client', 0]] as const) {
    it(`two-processes: the ${first} started ${gap === 0 ? 'at the same moment' : 'first'}, the data arrives intact`, async () => {
      const [server, client] = await twoProcesses(first, gap);
      expectOk(server);
      expectOk(client);
      expect(client.stdout).toContain('client: wrote "hello over RDMA"');
      expect(server.stdout).toMatch(/^server: found "hello over RDMA" in its memory \(device \w+\)$/m);
    });
  }

  it('workers: a worker writes into the main thread\'s memory', async () => {
    const run = await runExample('workers');
    expectOk(run);
    expect(run.stdout).toBe('main thread: the worker wrote "hello" into its memory\n');
  });

  it('cm: a client connects by address and gets the accept\'s private data', async () => {
    const run = await runExample('cm');
    expectOk(run);
    expect(run.stdout).toBe('welcome\n');
  });

  it('ud: a datagram arrives after the 40-byte GRH', async () => {
    const run = await runExample('ud');
    expectOk(run);
    expect(run.stdout).toMatch(/^received "a datagram" \(10 bytes after the 40-byte GRH\) from QP \d+\n$/);
  });

  it('sriov: lists the physical functions and virtual functions of a sysfs tree', async () => {
    const stdout = await sriovExampleOn('connectx5');
    expect(stdout).toContain('0000:3b:00.0 mlx5_core: 4/8 VFs, mlx5_0\n  VF 0 0000:3b:00.2: mlx5_2\n');
    expect(stdout).toContain('VF 2 0000:3b:00.4: assigned to a VM (vfio-pci)');
  });

  it('sriov: says so on a machine without SR-IOV', async () => {
    expect(await sriovExampleOn('no-sriov')).toBe('no SR-IOV physical functions on this machine\n');
  });
});
