// Inside the Soft-RoCE VM: the packed tarball installed into a fresh project
// moves data over rxe0 with its prebuilt binary, and nothing is compiled.
// The project is either installed by the host beforehand (VRDMA_CONSUMER_APP
// names it; .ci/run does this, because npm itself takes minutes under an
// emulated CPU and the host's consumer test already checks the install), or
// installed here offline from VRDMA_CONSUMER_TARBALL.
// (`vrdma doctor` on rxe0 is checked by test/cli/doctor-real.test.ts.)
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../repo-root.js';

const tarball = process.env['VRDMA_CONSUMER_TARBALL'];
const preinstalled = process.env['VRDMA_CONSUMER_APP'];
const inVm = process.env['VRDMA_IN_VM'] === '1';
const app = !inVm ? '' : preinstalled ? preinstalled : tarball ? mkdtempSync(join(tmpdir(), 'vrdma-consumer-')) : '';
const example = join(repoRoot, 'dist', 'examples', 'two-processes.js');

afterAll(() => { if (app && !preinstalled) rmSync(app, { recursive: true, force: true }); });

/** Run a command in the project without blocking the event loop (the test runner talks to this process meanwhile). */
function run(command: string, argv: readonly string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(command, argv, { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

describe.skipIf(!app)('the packed tarball on rxe0 (set VRDMA_CONSUMER_APP or VRDMA_CONSUMER_TARBALL; .ci/run does)', () => {
  it.skipIf(preinstalled !== undefined)('installs offline into an empty project, using the prebuilt binary', async () => {
    writeFileSync(join(app, 'package.json'), '{ "name": "consumer", "version": "1.0.0", "private": true, "type": "module" }\n');
    const r = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball!]);
    expect(r.code, r.out).toBe(0);
  }, 600_000); // npm itself under emulation: 3 minutes and more on a busy host

  it('the project holds the prebuilt binary and nothing was compiled', () => {
    expect(existsSync(join(app, 'node_modules/vrdma/prebuilds/linux-x64/vrdma.napi.glibc.node'))).toBe(true);
    expect(existsSync(join(app, 'node_modules/vrdma/build'))).toBe(false);
  });

  it('the README program moves data between two processes over rxe0', async () => {
    copyFileSync(example, join(app, 'two-processes.js'));
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const side = (role: string) => run(process.execPath, ['two-processes.js', role, port]);
    const [server, client] = await Promise.all([side('server'), side('client')]);
    expect(client.code, client.out).toBe(0);
    expect(server.code, server.out).toBe(0);
    expect(server.out).toContain('server: found "hello over RDMA" in its memory (device rxe0)');
  });
});
