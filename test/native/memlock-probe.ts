// Child script for device.test.ts: registers 1 MiB on the device named by
// argv[2] and prints the error (or "ok") as one JSON line. Run with a small
// `ulimit -l` and without CAP_IPC_LOCK.
import { openDevice } from '../../lib/index.js';

const name = process.argv[2] ?? 'rxe0';
const ctx = await openDevice(name);
try {
  const pd = ctx.allocPd();
  pd.registerMemory(ctx.allocBuffer(1 << 20));
  process.stdout.write(`${JSON.stringify({ name: 'ok' })}\n`);
} catch (err) {
  const e = err as Error & { code?: string; errno?: number; verb?: string };
  process.stdout.write(`${JSON.stringify({ name: e.name, code: e.code, errno: e.errno, verb: e.verb, message: e.message })}\n`);
} finally {
  ctx.close();
}
