// Where the loader looks for the native addon, and what happens when the
// binary cannot load because libibverbs.so.1 is missing.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { addonCandidates, packageRootOf } from '../../lib/providers/native/locate-addon.js';
import { loadAddon, loadAddonFrom } from '../../lib/providers/native/addon.js';
import { openDevice } from '../../lib/index.js';
import { repoRoot } from '../repo-root.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A fake installed package: package.json named vrdma and the folder the compiled loader lives in. */
function fakePackage(): { root: string; loaderDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'vrdma-pkg-'));
  dirs.push(root);
  writeFileSync(join(root, 'package.json'), '{ "name": "vrdma", "version": "0.0.0" }\n');
  const loaderDir = join(root, 'dist', 'lib', 'providers', 'native');
  mkdirSync(loaderDir, { recursive: true });
  return { root, loaderDir };
}

function put(path: string, bytes: string | Buffer = 'ELF'): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

describe('locating the native addon', () => {
  const saved = process.env['VRDMA_NATIVE_ADDON'];
  afterAll(() => { if (saved !== undefined) process.env['VRDMA_NATIVE_ADDON'] = saved; });

  it('finds the package root from the loader folder', () => {
    const { root, loaderDir } = fakePackage();
    expect(packageRootOf(loaderDir)).toBe(root);
  });

  it('uses the prebuilt binary for this platform when there is no local build', () => {
    delete process.env['VRDMA_NATIVE_ADDON'];
    const { root, loaderDir } = fakePackage();
    const prebuilt = put(join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'vrdma.napi.glibc.node'));
    expect(addonCandidates(loaderDir)).toEqual([prebuilt]);
  });

  it('prefers a local build (build/Release) over the prebuilt binary', () => {
    delete process.env['VRDMA_NATIVE_ADDON'];
    const { root, loaderDir } = fakePackage();
    put(join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'vrdma.napi.glibc.node'));
    const local = put(join(root, 'build', 'Release', 'vrdma.node'));
    expect(addonCandidates(loaderDir)).toEqual([local]);
  });

  it('with neither, names the local build, and the load says "addon not built" with a command that works in a consumer project', () => {
    delete process.env['VRDMA_NATIVE_ADDON'];
    const { root, loaderDir } = fakePackage();
    const candidates = addonCandidates(loaderDir);
    expect(candidates).toEqual([join(root, 'build', 'Release', 'vrdma.node')]);
    const r = loadAddonFrom(candidates);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^addon not built: no prebuilt binary for \w+-\w+ and no .*; build it with `npm rebuild vrdma`/);
  });

  it('VRDMA_NATIVE_ADDON wins', () => {
    process.env['VRDMA_NATIVE_ADDON'] = '/somewhere/else.node';
    expect(addonCandidates(fakePackage().loaderDir)).toEqual(['/somewhere/else.node']);
    delete process.env['VRDMA_NATIVE_ADDON'];
  });
});

const built = loadAddon();
const BUILT_INDEX = join(repoRoot, 'dist', 'lib', 'index.js');
describe.skipIf(!built.ok)('an addon whose libibverbs.so.1 is missing', () => {
  it('reports the native provider unavailable with the reason, and loop0 keeps working', async () => {
    // The same binary, asking the dynamic loader for a library that does not exist.
    const bytes = readFileSync(built.path);
    const at = bytes.indexOf('libibverbs.so.1\0');
    expect(at).toBeGreaterThan(0);
    bytes.write('libibverbs.so.9', at, 'latin1');
    const dir = mkdtempSync(join(tmpdir(), 'vrdma-noverbs-'));
    dirs.push(dir);
    const path = join(dir, 'vrdma.node');
    writeFileSync(path, bytes);
    const r = loadAddonFrom([path]);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^libibverbs\.so\.9 not found: apt-get install libibverbs1 ibverbs-providers/);
    const ctx = await openDevice('loop0', { hub: false });
    expect(ctx.device.provider).toBe('loopback');
    ctx.close();
    // The same through the package in a fresh process: importing it does not throw.
    const script = `const v = await import(${JSON.stringify(BUILT_INDEX)}); console.log(JSON.stringify(v.providerStatus())); ` +
      `const c = await v.openDevice(); console.log(c.device.name); c.close();`;
    // Asynchronously: a slow start (the VM) must not block the test runner's event loop.
    const child = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, VRDMA_NATIVE_ADDON: path, VRDMA_DEVICE: '' }, encoding: 'utf8',
    });
    const [status, device] = child.stdout.trim().split('\n');
    expect(JSON.parse(status!)).toEqual([
      { name: 'native', available: false, reason: expect.stringMatching(/^libibverbs\.so\.9 not found/) },
      { name: 'loopback', available: true },
    ]);
    expect(device).toBe('loop0');
  });
});
