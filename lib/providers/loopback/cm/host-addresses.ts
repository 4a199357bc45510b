import { networkInterfaces } from 'node:os';
import { isWildcard } from './switchboard.js';

/**
 * True when `address` is one of this host's: a loopback address
 * (127.0.0.0/8, `::1`), a wildcard, or an address of a network interface.
 * loop0 maps them all to its nodes: the port says which listener.
 */
export function isHostAddress(address: string): boolean {
  if (isWildcard(address) || address === '::1' || address.startsWith('127.')) return true;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.address === address) return true;
  }
  return false;
}
