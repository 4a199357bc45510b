// npm run demo:migrate on the device under test (rxe0 in the Soft-RoCE VM):
// a 4 MiB image moved between two processes by RDMA WRITEs in pre-copy
// rounds while a writer changes it, then verified page by page (SHA-256).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, skipReason, testDevice, titled } from './helpers.js';

const script = join(repoRoot, 'dist', 'bench', 'migrate', 'demo.js');

describe.skipIf(skipReason !== undefined)(titled('demo:migrate'), () => {
  it('migrates a 4 MiB image between two processes under a writer and verifies every page', async () => {
    if (!existsSync(script)) throw new Error(`${script} is missing: run npm run build first`);
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [script, '--size', '4', '--device', testDevice], { cwd: repoRoot, timeout: 150_000 },
        (err, out, errOut) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout: out, stderr: errOut }));
    });
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toMatch(/round +1 precopy/);
    expect(stdout).toMatch(/stop-and-copy/);
    expect(stdout).toContain(`migrate on ${testDevice}: verification OK`);
    expect(stdout).toContain(`demo:migrate: OK on ${testDevice}`);
  }, 180_000);
});
