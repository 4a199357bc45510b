import { HubProtocolError } from './errors.js';
import type { JsonMessage } from './json-frames.js';

/**
 * A string field of a frame.
 * @throws HubProtocolError when missing, not a string, or longer than `max`.
 */
export function strField(msg: JsonMessage, key: string, max = 1024): string {
  const v = msg[key];
  if (typeof v !== 'string' || v.length > max) throw new HubProtocolError(`"${msg.t}" frame: field "${key}" must be a string of at most ${max} characters`);
  return v;
}

/**
 * An integer field in `min..max`.
 * @throws HubProtocolError when missing, not an integer, or out of range.
 */
export function intField(msg: JsonMessage, key: string, min: number, max: number): number {
  const v = msg[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new HubProtocolError(`"${msg.t}" frame: field "${key}" must be an integer in ${min}..${max}`);
  }
  return v;
}

/** An optional integer field; undefined when absent. @throws HubProtocolError when present but invalid. */
export function optIntField(msg: JsonMessage, key: string, min: number, max: number): number | undefined {
  return msg[key] === undefined ? undefined : intField(msg, key, min, max);
}
