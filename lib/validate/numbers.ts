import { InvalidArgumentError } from '../errors/invalid-argument-error.js';

/** True when `value` is an integer in [min, max]. */
export function isIntIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** The error for a value that is not an integer in [min, max]. */
export function intError(name: string, value: unknown, min: number, max: number): InvalidArgumentError {
  return new InvalidArgumentError(name, `must be an integer from ${min} to ${max}, got ${describe(value)}`);
}

/** @throws InvalidArgumentError unless `value` is an integer in [min, max]. */
export function checkInt(name: string, value: unknown, min: number, max: number): number {
  if (!isIntIn(value, min, max)) throw intError(name, value, min, max);
  return value;
}

/** True when `value` is a bigint in [0, 2^64). */
export function isU64(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= 0n && value <= 0xffff_ffff_ffff_ffffn;
}

/** The error for a value that is not a bigint in [0, 2^64). */
export function u64Error(name: string, value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(name, `must be a bigint from 0n to 2n**64n-1n, got ${describe(value)}`);
}

/** @throws InvalidArgumentError unless `value` is a bigint in [0, 2^64). */
export function checkU64(name: string, value: unknown): bigint {
  if (!isU64(value)) throw u64Error(name, value);
  return value;
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/** The largest `wrId` accepted (2^53 - 1). */
export const MAX_WR_ID = Number.MAX_SAFE_INTEGER;
