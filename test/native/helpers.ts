// Shared pieces of the native-provider tests: which device to use, why the
// device tests skip when there is none, and polling helpers.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { repoRoot } from '../repo-root.js';
import { nativeProvider } from '../../lib/providers/native/index.js';
import type { CompletionQueue, WorkCompletion } from '../../lib/index.js';

/** The repository root (from the sources and from dist/ alike). */
export { repoRoot };

/** The native provider's status here. */
export const nativeStatus = nativeProvider.status();

/** Native device names here (none when the provider is unavailable). */
export const nativeDevices = nativeStatus.available ? nativeProvider.listDevices().map((d) => d.name) : [];

/** The device under test: `VRDMA_TEST_DEVICE`, else the first native device. */
export const testDevice = process.env['VRDMA_TEST_DEVICE'] || nativeDevices[0] || 'rxe0';

/** Why device tests cannot run here, or undefined when they can. */
export const skipReason: string | undefined = !nativeStatus.available
  ? `native provider unavailable: ${nativeStatus.reason ?? 'unknown reason'}`
  : !nativeDevices.includes(testDevice)
    ? `no native device ${testDevice} here (devices: ${nativeDevices.join(', ') || 'none'})`
    : undefined;

/** A describe title that carries the skip reason. */
export function titled(title: string): string {
  return skipReason === undefined ? `${title} on ${testDevice}` : `${title} (skipped: ${skipReason})`;
}

/**
 * Poll until `n` completions arrived, waiting on the completion channel
 * between polls; fails after `ms`.
 */
export async function collect(cq: CompletionQueue, n: number, ms = 20_000): Promise<WorkCompletion[]> {
  const out: WorkCompletion[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n) {
    out.push(...cq.poll(Math.min(64, n - out.length)));
    if (out.length >= n) break;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} completions, got ${out.length}: ${JSON.stringify(out)}`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([cq.wait(), new Promise<void>((r) => { timer = setTimeout(r, 250); })]);
    clearTimeout(timer);
  }
  return out;
}

/** A forced garbage collection (exposes `gc` on first use). */
export function forceGc(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
}

/**
 * The compiled form of a helper script under test/native (built by `tsc`
 * into dist/). Throws when it is missing or older than its source.
 */
export function compiledScript(name: string): string {
  const src = join(repoRoot, 'test', 'native', `${name}.ts`);
  const js = join(repoRoot, 'dist', 'test', 'native', `${name}.js`);
  if (!existsSync(js)) throw new Error(`${js} is missing: run npm run build (npm test does) first`);
  if (existsSync(src) && statSync(js).mtimeMs < statSync(src).mtimeMs) throw new Error(`${js} is older than ${src}: run npm run build first`);
  return js;
}
