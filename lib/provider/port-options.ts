import type { GidEntry } from '../types/device.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { describe } from '../validate/numbers.js';
import { optionShape } from '../validate/options.js';

/** The `openDevice()` options every provider reads: the port and GID its endpoints use. */
export interface PortOpenOptions {
  /** Port to use for endpoints; default 1. Must be a port the device has. */
  readonly port?: number;
  /** GID index to use for endpoints; default: chosen automatically (see docs/native.md). Must be a populated entry of the port's GID table. */
  readonly gidIndex?: number;
}

/** The keys and types of `PortOpenOptions`. */
export const PORT_OPEN_OPTIONS = optionShape<PortOpenOptions>({ port: 'integer', gidIndex: 'integer' });

/**
 * The port `options.port` names, checked against the device's port count.
 * @throws InvalidArgumentError for a port the device does not have.
 */
export function checkPortOption(device: string, ports: number, port: unknown): number {
  const value = port ?? 1;
  if (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= ports) return value as number;
  throw new InvalidArgumentError('options.port', `openDevice() expects a port of ${device} (it has port${ports === 1 ? ' 1' : `s 1..${ports}`}), got ${describe(value)}`);
}

/**
 * Check `options.gidIndex` against the port's populated GID entries.
 * @throws InvalidArgumentError for an index that is not populated, listing those that are.
 */
export function checkGidIndexOption(device: string, port: number, table: readonly GidEntry[], gidIndex: unknown): void {
  if (gidIndex === undefined || table.some((e) => e.index === gidIndex)) return;
  const populated = table.length === 0 ? 'none' : table.map((e) => `${e.index} (${e.gid})`).join(', ');
  throw new InvalidArgumentError('options.gidIndex', `openDevice() expects a populated GID index of ${device} port ${port}, got ${describe(gidIndex)}; populated: ${populated}`);
}
