// A worker thread that is terminated while it is inside an addon call must
// not take the process down: the error the call raises can no longer be
// thrown into JavaScript, and must be dropped rather than abort the process
// (std::terminate). Needs the addon, not a device: it runs on any machine
// where the addon was built.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compiledScript, nativeStatus } from './helpers.js';
import { loadAddon } from '../../lib/providers/native/index.js';

const load = loadAddon();
const inVm = nativeStatus.available;
// Each worker start costs about a second under the VM's emulated CPU; the
// host run (no device needed) is the thorough one.
const count = inVm ? 3 : 60;

describe.skipIf(!load.ok)(`terminating worker threads inside addon calls${load.ok ? '' : ` (skipped: ${load.reason})`}`, () => {
  it(`${count} workers terminated at random moments while calling the addon: the process survives`, () => {
    const r = spawnSync(process.execPath, [compiledScript('terminate-peer'), String(count)], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).not.toMatch(/terminate called/);
    expect({ status: r.status, signal: r.signal, stdout: r.stdout.trim() }).toEqual({ status: 0, signal: null, stdout: `survived ${count}` });
  }, 150_000);
});
