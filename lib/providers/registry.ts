/**
 * The one place that knows every provider: their order, and the
 * `openDevice()` options type made of each provider's own options.
 */
import type { ProviderBackend } from '../provider/spi.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { nativeProvider } from './native/provider.js';
import type { NativeOpenOptions } from './native/options.js';
import { loopbackProvider } from './loopback/provider.js';
import type { LoopbackOpenOptions } from './loopback/options.js';

/**
 * Options for `openDevice()`: each provider's own options together. A
 * provider reads its keys and ignores the others' (so one options object
 * can serve whichever device is chosen).
 */
export type OpenOptions = NativeOpenOptions & LoopbackOpenOptions;

const all: readonly ProviderBackend<OpenOptions>[] = [nativeProvider, loopbackProvider];

/** Every provider, in the order devices are listed and chosen: native first. */
export function providers(): readonly ProviderBackend<OpenOptions>[] {
  return all;
}

/**
 * Check the shape of `openDevice()` options: an object whose keys some
 * provider reads (each provider checks its own values).
 * @throws InvalidArgumentError for a non-object or an unknown key.
 */
export function checkOpenOptions(options: unknown): OpenOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'must be an object');
  const known = new Set<string>(all.flatMap((p) => p.openOptions));
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new InvalidArgumentError(`options.${key}`, `is not an option of any provider (known: ${[...known].join(', ')})`);
    }
  }
  return options as OpenOptions;
}
