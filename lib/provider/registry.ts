import type { ProviderBackend } from './spi.js';
import { nativeProvider } from '../providers/native/index.js';
import { loopbackProvider } from '../providers/loopback/provider.js';

/** Every provider, in the order devices are listed and chosen: native first. */
export function providers(): readonly ProviderBackend[] {
  return [nativeProvider, loopbackProvider];
}
