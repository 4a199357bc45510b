import { InvalidArgumentError } from '../errors/invalid-argument-error.js';

/** A class, as `instanceof` takes it. */
export type ClassOf<T> = abstract new (...args: never[]) => T;

/**
 * The one way a provider turns an interface object (`CqBackend`,
 * `MrBackend`, ...) into its own class: checked, so an object of another
 * provider (or anything else) is a typed error, never a crash further on.
 * @param argument - what to name in the error, e.g. `"init.sendCq"`.
 * @param what - what was expected, e.g. `"a completion queue of a native device"`.
 * @throws InvalidArgumentError (`ERR_INVALID_ARG`) when `value` is not a `type`.
 */
export function downcast<T>(value: unknown, type: ClassOf<T>, argument: string, what: string): T {
  if (value instanceof type) return value;
  throw new InvalidArgumentError(argument, `is not ${what}`);
}
