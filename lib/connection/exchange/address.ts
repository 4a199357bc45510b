import { InvalidArgumentError } from '../../errors/invalid-argument-error.js';
import { checkInt, describe } from '../../validate/numbers.js';

/**
 * Where the out-of-band exchange listens or dials: a TCP port (with a host,
 * default `127.0.0.1`) or a Unix socket path.
 */
export type ExchangeAddress =
  | { readonly host?: string; readonly port: number; readonly path?: undefined }
  | { readonly path: string; readonly host?: undefined; readonly port?: undefined };

/** A checked address, as `node:net` takes it. */
export type NetAddress = { readonly host: string; readonly port: number } | { readonly path: string };

/**
 * Check an address. `port` 0 is allowed only when listening (the system picks one).
 * @throws InvalidArgumentError for a missing or malformed port, host or path, or both a port and a path.
 */
export function checkAddress(name: string, value: ExchangeAddress, listening: boolean): NetAddress {
  if (value.path !== undefined) {
    if (value.port !== undefined || value.host !== undefined) throw new InvalidArgumentError(name, 'give either a path (Unix socket) or a port (TCP), not both');
    if (typeof value.path !== 'string' || value.path.length === 0 || value.path.includes('\0') || Buffer.byteLength(value.path) > 107) {
      throw new InvalidArgumentError(`${name}.path`, `must be a Unix socket path of 1 to 107 bytes, got ${describe(value.path)}`);
    }
    return { path: value.path };
  }
  if (value.port === undefined) throw new InvalidArgumentError(`${name}.port`, 'a TCP port or a Unix socket path is required');
  const port = checkInt(`${name}.port`, value.port, listening ? 0 : 1, 65535);
  const host = value.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0 || host.length > 255) throw new InvalidArgumentError(`${name}.host`, `must be a host name or IP address, got ${describe(host)}`);
  return { host, port };
}

/** `host:port` or the path, for messages. */
export function addressText(a: NetAddress): string {
  return 'path' in a ? a.path : `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
