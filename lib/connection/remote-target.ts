import type { RemoteMemory } from '../types/endpoint.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { checkInt, describe } from '../validate/numbers.js';

/**
 * Where in the peer's memory an operation lands: one of the regions the
 * peer exposed (by index, default 0) or any `RemoteMemory`, and a byte
 * offset into it (default 0).
 */
export interface RemoteTarget {
  readonly region?: number | RemoteMemory;
  readonly offset?: number;
}

/**
 * Resolve a target to an address and rkey, checking that `length` bytes fit.
 * @throws InvalidArgumentError for an unknown region index, a bad offset or a range past the region's end.
 */
export function resolveTarget(name: string, target: RemoteTarget | undefined, length: number, peerRegions: readonly RemoteMemory[]): { addr: bigint; rkey: number } {
  const t = target ?? {};
  if (t === null || typeof t !== 'object') throw new InvalidArgumentError(name, `must be { region?, offset? }, got ${describe(t)}`);
  let region: RemoteMemory;
  if (typeof t.region === 'object' && t.region !== null) region = t.region;
  else {
    const index = checkInt(`${name}.region`, t.region ?? 0, 0, 0xffff);
    const found = peerRegions[index];
    if (!found) throw new InvalidArgumentError(`${name}.region`, `the peer exposed ${peerRegions.length} region(s); there is no region ${index}`);
    region = found;
  }
  const offset = checkInt(`${name}.offset`, t.offset ?? 0, 0, Number.MAX_SAFE_INTEGER);
  if (offset + length > region.length) {
    throw new InvalidArgumentError(name, `${length} bytes at offset ${offset} run past the end of the peer's ${region.length}-byte region`);
  }
  return { addr: BigInt(region.addr) + BigInt(offset), rkey: region.rkey };
}
