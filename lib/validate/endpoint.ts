import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { isProviderName, PROVIDER_NAMES } from '../constants/provider-name.js';
import { ENDPOINT_VERSION, type Endpoint } from '../types/endpoint.js';
import { checkInt, describe } from './numbers.js';
import { checkOptions, optionShape } from './options.js';

const ENDPOINT_SHAPE = optionShape<Endpoint>({
  v: 'integer', provider: 'string', lid: 'integer', gid: 'string', gidIndex: 'integer', qpn: 'integer',
  psn: 'integer', qpType: 'integer', qkey: 'integer', mtu: 'integer', port: 'integer',
});

/**
 * Check a peer's endpoint (as parsed from JSON) before it reaches a provider.
 * @param fn - the function it was passed to, e.g. `"connect()"`.
 * @throws InvalidArgumentError for a wrong version, a key the format does not have, or a malformed field.
 */
export function checkEndpoint(fn: string, name: string, value: unknown): Endpoint {
  if (value === null || typeof value !== 'object') throw new InvalidArgumentError(name, `${fn} expects an Endpoint object, got ${describe(value)}`);
  const ep = value as Record<string, unknown>;
  if (ep['v'] !== ENDPOINT_VERSION) {
    throw new InvalidArgumentError(`${name}.v`, `endpoint format version ${describe(ep['v'])} is not supported (this library writes and reads version ${ENDPOINT_VERSION})`);
  }
  if (!isProviderName(ep['provider'])) {
    throw new InvalidArgumentError(`${name}.provider`, `must be one of ${PROVIDER_NAMES.map((p) => `"${p}"`).join(', ')}, got ${describe(ep['provider'])}`);
  }
  checkOptions(fn, name, value, ENDPOINT_SHAPE);
  checkInt(`${name}.lid`, ep['lid'], 0, 0xffff);
  if (typeof ep['gid'] !== 'string' || ep['gid'].length > 64) throw new InvalidArgumentError(`${name}.gid`, `must be a GID string, got ${describe(ep['gid'])}`);
  checkInt(`${name}.gidIndex`, ep['gidIndex'], 0, 0xffff);
  checkInt(`${name}.qpn`, ep['qpn'], 1, 0xff_ffff);
  checkInt(`${name}.psn`, ep['psn'], 0, 0xff_ffff);
  checkInt(`${name}.qpType`, ep['qpType'], 2, 4);
  if (ep['qkey'] !== undefined) checkInt(`${name}.qkey`, ep['qkey'], 0, 0xffff_ffff);
  checkInt(`${name}.mtu`, ep['mtu'], 1, 5);
  checkInt(`${name}.port`, ep['port'], 1, 255);
  return value as Endpoint;
}
