/**
 * What the queue-pair migration machinery costs the loop0 data path when
 * nothing migrates: RC SEND/RECV of 64 bytes between two QPs of this thread
 * (no I/O, so the engine's own cost is all that is measured), 64 posted per
 * call, messages per second. With `--against DIR` (another build's `dist/lib`),
 * runs alternate between this build and that one in child processes and the
 * medians are compared.
 *
 *   node dist/bench/migrate/qp-overhead.js [--runs N] [--against /path/to/other/dist/lib]
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Lib = typeof import('../../lib/index.js');

const BATCH = 64;
const MESSAGES = 200_000;

/** Messages per second through one RC pair of this thread, with `lib`. */
async function rate(lib: Lib): Promise<number> {
  const ctx = await lib.openDevice('loop0', { hub: false });
  const pd = ctx.allocPd();
  const cq = ctx.createCq({ depth: 4 * BATCH });
  const a = pd.createQp({ type: lib.QpType.RC, sendCq: cq, maxSendWr: BATCH, maxRecvWr: BATCH });
  const b = pd.createQp({ type: lib.QpType.RC, sendCq: cq, maxSendWr: BATCH, maxRecvWr: BATCH });
  await Promise.all([a.connect(b.endpoint()), b.connect(a.endpoint())]);
  const mr = pd.registerMemory(ctx.allocBuffer(BATCH * 64), lib.Access.LOCAL_WRITE);
  const sends = Array.from({ length: BATCH }, (_, i) => ({ wrId: i, opcode: lib.WrOpcode.SEND, sgList: [{ mr, offset: i * 64, length: 64 }] }));
  const recvs = Array.from({ length: BATCH }, (_, i) => ({ wrId: i, sgList: [{ mr, offset: i * 64, length: 64 }] }));
  const batch = new lib.WcBatch(4 * BATCH);
  const run = (n: number): void => {
    for (let sent = 0; sent < n; sent += BATCH) {
      b.postRecv(recvs);
      a.postSend(sends);
      for (let done = 0; done < 2 * BATCH;) done += cq.pollBatch(batch);
    }
  };
  run(MESSAGES / 10);
  const start = performance.now();
  run(MESSAGES);
  const seconds = (performance.now() - start) / 1000;
  ctx.close();
  return MESSAGES / seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const libDir = option('--lib');
if (libDir !== undefined) {
  const lib = (await import(pathToFileURL(`${libDir}/index.js`).href)) as Lib;
  process.stdout.write(`${await rate(lib)}\n`);
} else {
  const runs = Number(option('--runs') ?? 7);
  const against = option('--against');
  const own = fileURLToPath(new URL('../../lib', import.meta.url));
  const self = fileURLToPath(import.meta.url);
  const measure = (dir: string): number => Number(execFileSync(process.execPath, [self, '--lib', dir], { encoding: 'utf8' }).trim());
  const mine: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < runs; i++) {
    mine.push(measure(own));
    if (against !== undefined) theirs.push(measure(against));
  }
  const m = median(mine);
  console.log(`loop0 RC SEND 64 B, ${BATCH} per post, this thread: ${(m / 1e6).toFixed(3)} M msg/s (median of ${runs})`);
  if (against !== undefined) {
    const t = median(theirs);
    const overhead = (t - m) / t * 100;
    console.log(`against ${against}: ${(t / 1e6).toFixed(3)} M msg/s; this build costs ${overhead.toFixed(1)}% (${overhead <= 2 ? 'PASS' : 'MISS'}: target <= 2%)`);
  }
}
