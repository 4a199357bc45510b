import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { RecvWrSpec } from '../provider/spi.js';
import type { RecvWorkRequest } from '../types/work-request.js';
import { checkInt, describe, MAX_WR_ID } from './numbers.js';
import { toSgeSpecs } from './sge.js';

/**
 * Validate one receive work request or an array of them: the fields it
 * reads, by type and range (other keys are not looked for, to keep posting cheap).
 * @throws InvalidArgumentError naming the bad field (`wr[3].sgList[0].length`).
 */
export function toRecvWrSpecs(input: RecvWorkRequest | readonly RecvWorkRequest[], maxSge: number): RecvWrSpec[] {
  const list = Array.isArray(input) ? input : [input as RecvWorkRequest];
  const out: RecvWrSpec[] = [];
  for (let i = 0; i < list.length; i++) {
    const wr = list[i] as RecvWorkRequest;
    const at = `wr[${i}]`;
    if (wr === null || typeof wr !== 'object') throw new InvalidArgumentError(at, `must be an object, got ${describe(wr)}`);
    const wrId = wr.wrId === undefined ? 0 : checkInt(`${at}.wrId`, wr.wrId, 0, MAX_WR_ID);
    const { sges, length } = toSgeSpecs(`${at}.sgList`, wr.sgList, maxSge);
    out.push({ wrId, sgList: sges, length });
  }
  return out;
}
