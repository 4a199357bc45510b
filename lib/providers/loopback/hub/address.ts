import { join, resolve } from 'node:path';
import type { NetConnectOpts } from 'node:net';
import { InvalidArgumentError } from '../../../errors/invalid-argument-error.js';
import { runtimeDirPath } from './runtime-dir.js';

/** Where a hub or a peer listens: a Unix socket path or a TCP host and port. */
export type HubAddress =
  | { readonly kind: 'unix'; readonly path: string; readonly text: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly text: string };

/** The file name of the hub socket inside the runtime directory. */
export const HUB_SOCKET_NAME = 'hub.sock';

/**
 * Where a client of hub protocol `version` runs a hub of its own when the
 * hub at `addr` (a Unix socket) speaks another version: the same path with
 * `-v<version>` before `.sock` (`hub.sock` -> `hub-v1.sock`), or appended.
 * Libraries of different protocol versions thus each find their own hub,
 * and never read each other's frames.
 */
export function ownVersionAddress(addr: HubAddress & { kind: 'unix' }, version: number): HubAddress {
  const path = addr.path.endsWith('.sock') ? `${addr.path.slice(0, -5)}-v${version}.sock` : `${addr.path}-v${version}`;
  return { kind: 'unix', path, text: path };
}

/**
 * Parse `tcp://host:port` (IPv6 hosts in brackets), `unix:/path` or a plain
 * path (made absolute).
 * @throws InvalidArgumentError for an empty text, a bad host or a port outside 1..65535.
 */
export function parseAddress(text: string, what = 'hubAddress'): HubAddress {
  if (typeof text !== 'string' || text.length === 0) throw new InvalidArgumentError(what, 'must be a socket path or tcp://host:port');
  if (text.startsWith('tcp://')) {
    const rest = text.slice(6);
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/]+)):(\d{1,5})$/.exec(rest);
    if (!m) throw new InvalidArgumentError(what, `"${text}" is not tcp://host:port`);
    const host = m[1] ?? m[2]!;
    const port = Number(m[3]);
    if (port < 1 || port > 65535) throw new InvalidArgumentError(what, `port ${port} is outside 1..65535`);
    return { kind: 'tcp', host, port, text: formatTcp(host, port) };
  }
  const raw = text.startsWith('unix:') ? text.slice(5) : text;
  if (raw.length === 0) throw new InvalidArgumentError(what, 'the socket path is empty');
  const path = resolve(raw);
  return { kind: 'unix', path, text: path };
}

/** `tcp://host:port`, with brackets around an IPv6 host. */
export function formatTcp(host: string, port: number): string {
  return host.includes(':') ? `tcp://[${host}]:${port}` : `tcp://${host}:${port}`;
}

/** The default hub address: `VRDMA_HUB`, else `hub.sock` in the runtime directory. */
export function defaultHubAddressText(env: NodeJS.ProcessEnv = process.env): string {
  return env['VRDMA_HUB'] || join(runtimeDirPath(env), HUB_SOCKET_NAME);
}

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Options for `net.connect` to `addr`. */
export function connectTarget(addr: HubAddress): NetConnectOpts {
  return addr.kind === 'unix' ? { path: addr.path } : { host: addr.host, port: addr.port };
}
