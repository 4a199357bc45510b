// Without librdmacm.so.1 the addon still loads, and asking it for a CM id
// says why there is no connection manager (the error `createCmId()` turns
// into UnsupportedError on a native device). The library is hidden from a
// child process in a mount namespace of its own: its folder is replaced
// there by a folder of links to everything else in it. Needs root and
// unshare; no device. Host only: under the VM's emulated CPU the child
// process alone takes half a minute.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAddon } from '../../lib/providers/native/addon.js';
import { compiledScript } from './helpers.js';

/** The folder librdmacm.so.1 is loaded from, per the loader's cache, or undefined. */
function libraryFolder(): string | undefined {
  const listing = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' }).stdout ?? '';
  const line = listing.split('\n').find((l) => l.trim().startsWith('librdmacm.so.1 '));
  const path = line?.split('=> ')[1]?.trim();
  return path ? dirname(realpathSync(path)) : undefined;
}

const folder = libraryFolder();
const load = loadAddon();
const why = !load.ok ? load.reason
  : process.env['VRDMA_IN_VM'] === '1' ? 'runs on the host only (no device needed; a process start-up is slow under emulation)'
  : process.getuid?.() !== 0 ? 'needs root (a mount namespace)'
  : spawnSync('unshare', ['--mount', 'true']).status !== 0 ? 'unshare --mount is not available'
  : folder === undefined ? 'librdmacm.so.1 is not installed here' : undefined;

// In the namespace: the real folder is bound at $keep (where the links
// point), the folder of links over the real one, then the command runs.
const HIDE = 'set -e; mount --bind "$1" "$2"; mount --bind "$3" "$1"; shift 3; exec "$@"';

let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

describe.skipIf(why !== undefined)(`the addon without librdmacm.so.1${why ? ` (skipped: ${why})` : ''}`, () => {
  it('loads, and a CM id is refused with ERR_UNSUPPORTED "rdma_cm unavailable: librdmacm.so.1 not found"', async () => {
    scratch = mkdtempSync(join(tmpdir(), 'vrdma-no-rdmacm-'));
    const keep = join(scratch, 'keep');
    const links = join(scratch, 'links');
    mkdirSync(keep);
    mkdirSync(links);
    for (const name of readdirSync(folder!)) {
      if (!name.startsWith('librdmacm.so')) symlinkSync(join(keep, name), join(links, name));
    }
    const { stdout } = await promisify(execFile)('unshare', [
      '--mount', 'sh', '-c', HIDE, 'hide', folder!, keep, links, process.execPath, compiledScript('cm-unavailable-peer'),
    ], { encoding: 'utf8', timeout: 60_000 });
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { unavailable: string | null; error: { code?: string; message: string } | null; rdmacmMapped: boolean };
    expect(result.rdmacmMapped).toBe(false);
    expect(result.unavailable).toBe('librdmacm.so.1 not found');
    expect(result.error).toMatchObject({ code: 'ERR_UNSUPPORTED', message: 'rdma_cm unavailable: librdmacm.so.1 not found' });
  });
});
