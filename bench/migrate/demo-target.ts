import { createHash } from 'node:crypto';
import { Access, MigrationTarget, connect, openDevice } from '../../lib/index.js';

/** What the target process reports to the source process once it holds the image. */
export interface TargetReport {
  /** SHA-256 of the image read through `MigratedImage.read()` (shared pages read remotely). */
  readonly readDigest: string;
  /** SHA-256 of the target's regions after `pullAll()`. */
  readonly localDigest: string;
  readonly deferredBefore: number;
  readonly deferredAfter: number;
}

/**
 * The target process: receive the image; when the source says so (after its
 * migrate() resolved, so the checks do not slow the transport's answers on
 * loop0, whose transport runs on this process's event loop), check it both
 * ways, pull the shared pages, report, and wait to be told to go.
 */
export async function runTarget(device: string, port: number, bytes: number): Promise<void> {
  const ctx = await openDevice(device);
  const pd = ctx.allocPd();
  const mr = pd.registerMemory(ctx.allocBuffer(bytes), Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ);
  const conn = await connect({ port, context: ctx, pd, regions: [mr], timeoutMs: 60_000, messageSize: 256 << 10, maxInFlight: 64, recvDepth: 64 });
  const image = await new MigrationTarget(conn, { regions: [mr] }).receive();
  await nextMessage();
  const deferredBefore = image.deferredPages;
  const read = createHash('sha256');
  for (let at = 0; at < bytes; at += 1 << 20) read.update(await image.read(at, Math.min(1 << 20, bytes - at)));
  await image.pullAll();
  const report: TargetReport = { readDigest: read.digest('hex'), localDigest: createHash('sha256').update(mr.buffer).digest('hex'), deferredBefore, deferredAfter: image.deferredPages };
  process.send!(report);
  await nextMessage();
  image.close();
  await conn.close();
  ctx.close();
}

function nextMessage(): Promise<void> {
  return new Promise<void>((resolve) => process.once('message', () => resolve()));
}
