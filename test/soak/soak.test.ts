import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The compiled soak (`npm test` builds it). */
const SOAK_JS = fileURLToPath(new URL('../../dist/bench/soak/main.js', import.meta.url));

function runSoak(seconds: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [SOAK_JS, '--seconds', String(seconds), '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    proc.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    proc.on('exit', (code) => resolve({ code, out }));
  });
}

describe('soak: three processes, kills and restarts', () => {
  it('accounts for every work request of the survivors: none lost, none twice, data intact', async () => {
    if (!existsSync(SOAK_JS)) throw new Error(`${SOAK_JS} is missing: run "npm run build" (npm test does) first`);
    const { code, out } = await runSoak(10);
    expect(out).toMatch(/lost=0 duplicated=0; messages checked [1-9]\d*, damaged 0; violations 0/);
    expect(out).toMatch(/[1-9]\d* kills and restarts/);
    expect(code, out).toBe(0);
  }, 120_000);
});
