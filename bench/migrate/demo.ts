/**
 * Live migration of a 64 MiB image between two processes while a writer
 * dirties 1% of its pages every 10 ms: prints the rounds, the bytes moved
 * against the image, the pause, and the verification, on loop0 and on the
 * default native device when there is one; then moves a live RC queue pair
 * on loop0 back and forth between two processes while this process streams
 * to it (`qp-demo.ts`). Exits 1 on any mismatch or loss.
 *
 *   npm run demo:migrate      # or: node dist/bench/migrate/demo.js [--size MiB] [--shared PERCENT] [--device NAME] [--qp-moves N]
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openDevice } from '../../lib/index.js';
import { runSource, type DemoSettings } from './demo-source.js';
import { runTarget } from './demo-target.js';
import { runQpDemo } from './qp-demo.js';

const self = fileURLToPath(import.meta.url);
const [role, ...rest] = process.argv.slice(2);

if (role === 'target') {
  runTarget(rest[0]!, Number(rest[1]), Number(rest[2])).then(() => process.exit(0), (err: unknown) => {
    console.error(`[target] ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  });
} else {
  process.exitCode = await main(process.argv.slice(2));
}

async function main(args: string[]): Promise<number> {
  const option = (name: string, fallback: number): number => {
    const at = args.indexOf(name);
    return at >= 0 ? Number(args[at + 1]) : fallback;
  };
  const named = args.includes('--device') ? args[args.indexOf('--device') + 1] : undefined;
  const devices = named ? [named] : await defaultDevices();
  const settings: DemoSettings = { bytes: option('--size', 64) << 20, sharedPercent: option('--shared', 10), pageSize: 4096, dirtyPercent: 1, everyMs: 10 };
  let failed = 0;
  for (const device of devices) {
    const ok = await runSource(device, settings, (port) => fork(self, ['target', device, String(port), String(settings.bytes)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    if (!ok) failed++;
  }
  if (!named || named === 'loop0') {
    const qp = await runQpDemo(option('--qp-moves', 100));
    if (!qp.ok) failed++;
  }
  console.log(failed === 0 ? `demo:migrate: OK on ${devices.join(', ')}` : `demo:migrate: FAILED on ${failed} run(s)`);
  return failed === 0 ? 0 : 1;
}

/** loop0, and the default device when it is a native one. */
async function defaultDevices(): Promise<string[]> {
  const out = ['loop0'];
  try {
    const ctx = await openDevice();
    if (ctx.device.provider === 'native') out.push(ctx.device.name);
    ctx.close();
  } catch {
    // no default device beyond loop0
  }
  return out;
}
