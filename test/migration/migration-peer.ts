// A peer process for the migration tests (argv: device, port, role): connects to
// the port given with a 4 MiB image and runs one side of a migration.
// "target" receives into its image and says "received"; "source" migrates
// while a writer changes its image, says "round N" after each round, and
// never finishes its pause (it waits there to be killed).
import { Access, MigrationSource, MigrationTarget, connect, openDevice } from '../../lib/index.js';
import { PageWriter } from '../../bench/migrate/page-writer.js';

const [device, port, role] = process.argv.slice(2);
const ctx = await openDevice(device);
const pd = ctx.allocPd();
const bytes = ctx.allocBuffer(4 << 20);
bytes.fill(7);
const mr = pd.registerMemory(bytes, Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ);
const conn = await connect({ port: Number(port), context: ctx, pd, regions: [mr], timeoutMs: 60_000 });
if (role === 'target') {
  await new MigrationTarget(conn, { regions: [mr] }).receive();
  process.stdout.write('received\n');
} else {
  const writer = new PageWriter([bytes], { pageSize: 4096, pagesPerTick: 16, everyMs: 1 });
  writer.resume();
  const pause = (): Promise<void> => new Promise(() => writer.pause());
  await new MigrationSource(conn, { regions: [mr], pause, maxWriteBytes: 64 << 10, onRound: (r) => process.stdout.write(`round ${r.round}\n`) }).migrate();
}
setInterval(() => {}, 1 << 30);
