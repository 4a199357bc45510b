import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

/**
 * Write `text` to `path` so that a reader, or another process writing the
 * same path at the same time (a perf server and client on one host given
 * one `--out_json_file`), only ever sees a whole file: written beside it
 * under a name of its own (process, thread and a random part), then renamed
 * over it.
 * @throws Error from the file system (no such folder, no permission, no room).
 */
export function writeFileAtomic(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.${threadId}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
}
