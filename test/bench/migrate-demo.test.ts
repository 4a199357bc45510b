// npm run demo:migrate, on a small image: two processes on loop0, the rounds
// printed, and the target's image equal to the source's (SHA-256).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../dist/bench/migrate/demo.js', import.meta.url));

describe('demo:migrate', () => {
  it('migrates a 4 MiB image between two processes on loop0 under a writer and verifies it', async () => {
    if (!existsSync(script)) throw new Error(`${script} is missing: run npm run build (npm test does) first`);
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [script, '--size', '4', '--device', 'loop0'], { timeout: 25_000 }, (err, out, errOut) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout: out, stderr: errOut }));
      child.stdin?.end();
    });
    expect(stderr).toBe('');
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/round +1 precopy +922 pages/);
    expect(stdout).toMatch(/stop-and-copy/);
    expect(stdout).toMatch(/SHA-256 of the target's image equals the source's through read\(\) \(102 shared pages read remotely\) and equals it after pullAll\(\); source released: true/);
    expect(stdout).toContain('migrate on loop0: verification OK');
    expect(stdout).toContain('demo:migrate: OK on loop0');
  });
});
