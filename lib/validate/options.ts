import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { ClassOf } from '../provider/downcast.js';
import { describe } from './numbers.js';
import { closestWord } from './closest-word.js';

/**
 * The type an option must have: a primitive kind (`'integer'` is a whole
 * number; ranges are checked where the value is used), or a class the
 * value must be an instance of.
 */
export type OptionType = 'boolean' | 'string' | 'integer' | 'bigint' | 'object' | ClassOf<object>;

/** Every key an options object may have, with its type. */
export type OptionShape<T extends object = Record<string, unknown>> = { readonly [K in keyof T]-?: OptionType };

/**
 * Freeze a shape into the form `checkOptions()` reads (no prototype, so a
 * key such as `toString` is unknown, not inherited). Build shapes once, at
 * module load.
 */
export function optionShape<T extends object>(shape: OptionShape<T>): OptionShape<T> {
  return Object.freeze(Object.assign(Object.create(null) as object, shape)) as OptionShape<T>;
}

/**
 * Check an options object against its shape: every own key is one the
 * shape names, and every value that is not `undefined` has the named type.
 * Missing keys are allowed (defaults apply); ranges and required keys are
 * the caller's to check. Builds nothing when the object is valid.
 * @param fn - the function the options were passed to, e.g. `"createQp()"`.
 * @param name - the argument, e.g. `"init"`; errors name `init.maxSge`.
 * @throws InvalidArgumentError naming the function and the key, with what
 *   was expected and what was given, and the nearest known key for a misspelt one.
 */
export function checkOptions(fn: string, name: string, value: unknown, shape: OptionShape): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(name, `${fn} expects an object, got ${describe(value)}`);
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const type = shape[key];
    if (type === undefined) {
      if (!Object.hasOwn(record, key)) continue;
      throw unknownKey(fn, name, key, shape);
    }
    const v = record[key];
    if (v !== undefined && !hasType(v, type)) {
      throw new InvalidArgumentError(`${name}.${key}`, `${fn} expects ${typeName(type)}, got ${describe(v)}`);
    }
  }
}

/**
 * Check one optional flag of a request on the posting path, where a
 * whole-object check would cost too much. Builds nothing when it is valid.
 * @param at - the request, e.g. `"wr[0]"`; the error names `wr[0].signaled`.
 * @throws InvalidArgumentError unless `value` is a boolean or `undefined`.
 */
export function checkOptionalBoolean(fn: string, at: string, key: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw booleanError(fn, `${at}.${key}`, value);
}

/** The error for a flag that is neither a boolean nor `undefined`; `name` is e.g. `"wr[0].signaled"`. */
export function booleanError(fn: string, name: string, value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(name, `${fn} expects a boolean, got ${describe(value)}`);
}

function hasType(value: unknown, type: OptionType): boolean {
  switch (type) {
    case 'boolean': return typeof value === 'boolean';
    case 'string': return typeof value === 'string';
    case 'integer': return Number.isInteger(value);
    case 'bigint': return typeof value === 'bigint';
    case 'object': return value !== null && typeof value === 'object';
    default: return value instanceof type;
  }
}

function typeName(type: OptionType): string {
  if (typeof type === 'function') return `a ${type.name}`;
  if (type === 'integer') return 'an integer';
  if (type === 'object') return 'an object';
  return `a ${type}`;
}

function unknownKey(fn: string, name: string, key: string, shape: OptionShape): InvalidArgumentError {
  const known = Object.keys(shape);
  const near = closestWord(key, known);
  const hint = near === undefined ? '' : ` (did you mean "${near}"?)`;
  const list = known.length === 0 ? 'none' : known.join(', ');
  return new InvalidArgumentError(`${name}.${key}`, `${fn} has no option "${key}"${hint}; it takes: ${list}`);
}
