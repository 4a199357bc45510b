// A worker thread that is terminated while it is inside an addon call must
// not take the process down: the error the call raises can no longer be
// thrown into JavaScript, and must be dropped rather than abort the process
// (std::terminate). Needs the addon, not a device: it runs on any machine
// where the addon was built.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compiledScript } from './helpers.js';
import { loadAddon } from '../../lib/providers/native/index.js';

const load = loadAddon();
// Host only: the addon code under test needs no device, and under the
// Soft-RoCE VM's emulated CPU each worker start-up costs seconds.
const why = !load.ok ? load.reason : process.env['VRDMA_IN_VM'] === '1' ? 'runs on the host only (no device needed; worker start-ups are slow under emulation)' : undefined;
const count = 60;

function run(file: string, args: readonly string[]): Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Asynchronous: the test runner's own messages keep flowing meanwhile.
    execFile(process.execPath, [file, ...args], { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; signal?: string }) | null;
      resolve({ status: e === null ? 0 : typeof e.code === 'number' ? e.code : null, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

describe.skipIf(why !== undefined)(`terminating worker threads inside addon calls${why === undefined ? '' : ` (skipped: ${why})`}`, () => {
  it(`${count} workers terminated at random moments while calling the addon: the process survives`, async () => {
    const r = await run(compiledScript('terminate-peer'), [String(count)]);
    expect(r.stderr).not.toMatch(/terminate called/);
    expect({ status: r.status, signal: r.signal, stdout: r.stdout.trim() }).toEqual({ status: 0, signal: null, stdout: `survived ${count}` });
  }, 150_000);
});
