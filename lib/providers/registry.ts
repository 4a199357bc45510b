/**
 * The one place that knows every provider: their order, and the
 * `openDevice()` options type made of each provider's own options.
 */
import type { ProviderBackend } from '../provider/spi.js';
import { checkOptions, optionShape, type OptionShape } from '../validate/options.js';
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

let shape: OptionShape | undefined;

/**
 * Check `openDevice()` options: an object whose keys some provider reads,
 * each of the type that provider declares (the provider checks ranges).
 * @throws InvalidArgumentError for a non-object, an unknown key (with the
 *   nearest known one) or a value of the wrong type.
 */
export function checkOpenOptions(options: unknown): OpenOptions {
  shape ??= optionShape<OpenOptions>(Object.assign({}, ...all.map((p) => p.openOptions)) as OptionShape<OpenOptions>);
  checkOptions('openDevice()', 'options', options, shape);
  return options as OpenOptions;
}
