import { isIP } from 'node:net';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { describe } from '../validate/numbers.js';
import type { NetAddress } from './exchange/address.js';
import type { ConnectionSettings } from './connection-options.js';

/** How `listen()` and `connect()` set a Connection up: the out-of-band exchange (`'exchange'`) or rdma_cm (`'cm'`). */
export type ConnectionVia = 'exchange' | 'cm';

/**
 * Check the `via` option; default `'exchange'`.
 * @throws InvalidArgumentError for anything else.
 */
export function checkVia(via: unknown): ConnectionVia {
  if (via === undefined || via === 'exchange') return 'exchange';
  if (via === 'cm') return 'cm';
  throw new InvalidArgumentError('options.via', `must be 'exchange' or 'cm', got ${describe(via)}`);
}

/**
 * Check what `via: 'cm'` needs of an address and settings: an IP address
 * (numeric: the CM resolves addresses to devices, not names) and port, and
 * no QP of the caller's (the CM makes it).
 * @throws InvalidArgumentError for a Unix socket path, a host name, or `qp`.
 */
export function checkCmTarget(address: NetAddress, s: ConnectionSettings): { readonly host: string; readonly port: number } {
  if ('path' in address) throw new InvalidArgumentError('options.path', "the CM needs an IP address and port, not a Unix socket path (via: 'cm')");
  if (s.qp !== null) throw new InvalidArgumentError('options.qp', "the CM makes the connection's queue pair (via: 'cm'): pass no qp");
  if (isIP(address.host) === 0) throw new InvalidArgumentError('options.host', `the CM needs a numeric IPv4 or IPv6 address (via: 'cm'), got ${describe(address.host)}`);
  return address;
}
