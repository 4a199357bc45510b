import { threadId } from 'node:worker_threads';
import { LoopNode } from './node.js';

let counter = 0;

/**
 * A node private to this process (no hub): its GID encodes the process id,
 * the thread id and a counter, so nodes of different threads and processes
 * never collide.
 */
export function createLocalNode(): LoopNode {
  counter = (counter + 1) & 0xffff;
  const pid = process.pid >>> 0;
  const hex = (n: number) => n.toString(16);
  const gid = `fe80::${hex(pid >>> 16)}:${hex(pid & 0xffff)}:${hex(threadId & 0xffff)}:${hex(counter)}`;
  const lid = 0xc000 | (((threadId & 0x3f) << 8) | (counter & 0xff));
  return new LoopNode(gid, lid & 0xffff, 0x100 + ((threadId & 0xff) << 12));
}
