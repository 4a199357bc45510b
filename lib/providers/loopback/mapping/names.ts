import { randomBytes } from 'node:crypto';

/** Where Linux keeps POSIX shared memory objects (`shm_open` names). */
export const SHM_DIR = '/dev/shm';

/** A name this library gives its objects: `/vrdma-<uid>-<pid>-<random hex>`. */
const MAPPING_NAME = /^\/vrdma-(\d+)-(\d+)-[0-9a-f]{16}$/;

function uid(): number {
  return process.getuid?.() ?? 0;
}

/** A fresh object name for this process. */
export function newMappingName(): string {
  return `/vrdma-${uid()}-${process.pid}-${randomBytes(8).toString('hex')}`;
}

/** The process that created the object `name`, or 0 when `name` is not one of this user's objects. */
export function creatorOf(name: string): number {
  const m = MAPPING_NAME.exec(name);
  if (!m || Number(m[1]) !== uid()) return 0;
  return Number(m[2]);
}
