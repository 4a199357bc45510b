import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { RecvWrSpec } from '../provider/spi.js';
import type { RecvWorkRequest } from '../types/work-request.js';
import { describe, intError, isIntIn, MAX_WR_ID } from './numbers.js';
import { fillSgeSpecs } from './sge.js';
import { recvSpecPool, type RecvSlot, type SpecPool } from './spec-pool.js';
import { wrPath } from './wr-path.js';

/**
 * Validate one receive work request or an array of them: the fields it
 * reads, by type and range (other keys are not looked for, to keep posting
 * cheap). The specs are written into `pool` (a queue's own, reused from
 * post to post: nothing is allocated once it has grown) and are valid until
 * the next validation into it.
 * @throws InvalidArgumentError naming the bad field (`wr[3].sgList[0].length`).
 */
export function toRecvWrSpecs(input: RecvWorkRequest | readonly RecvWorkRequest[], maxSge: number, pool: SpecPool<RecvSlot> = recvSpecPool()): readonly RecvWrSpec[] {
  return pool.fill(input, maxSge, fillRecvSpec);
}

function fillRecvSpec(i: number, wr: RecvWorkRequest, maxSge: number, out: RecvSlot): void {
  if (wr === null || typeof wr !== 'object') throw new InvalidArgumentError(wrPath(i), `must be an object, got ${describe(wr)}`);
  const wrId = wr.wrId ?? 0;
  if (wr.wrId !== undefined && !isIntIn(wrId, 0, MAX_WR_ID)) throw intError(wrPath(i, 'wrId'), wrId, 0, MAX_WR_ID);
  out.wrId = wrId;
  out.length = fillSgeSpecs(i, wr.sgList, maxSge, out.sgList);
}
