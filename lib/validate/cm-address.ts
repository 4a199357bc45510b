import { isIP } from 'node:net';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { CmAddress } from '../provider/cm-spi.js';
import { checkInt, describe } from './numbers.js';
import { checkOptions, optionShape } from './options.js';

const ADDRESS = optionShape<CmAddress>({ address: 'string', port: 'integer' });

/**
 * Check an `{ address, port }` for the CM: a numeric IPv4 or IPv6 address
 * (no host names: the CM resolves IP addresses to devices, not names) and a
 * port from `minPort` to 65535.
 * @throws InvalidArgumentError naming the field.
 */
export function checkCmAddress(fn: string, name: string, value: unknown, minPort: number): CmAddress {
  checkOptions(fn, name, value, ADDRESS);
  const v = value as Partial<CmAddress>;
  if (typeof v.address !== 'string' || isIP(v.address) === 0) {
    throw new InvalidArgumentError(`${name}.address`, `${fn} expects a numeric IPv4 or IPv6 address, got ${describe(v.address)}`);
  }
  const port = checkInt(`${name}.port`, v.port, minPort, 65535);
  return { address: v.address, port };
}
