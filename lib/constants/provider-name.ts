/**
 * The providers, by the name devices, endpoints and `providerStatus()`
 * carry. This is the one place the names are defined.
 */
export const ProviderName = {
  /** libibverbs through the C++ addon: HCAs, SR-IOV VFs, Soft-RoCE. */
  NATIVE: 'native',
  /** The pure-TypeScript provider (`loop0`). */
  LOOPBACK: 'loopback',
} as const;

/** One `ProviderName` value: `"native"` or `"loopback"`. */
export type ProviderName = (typeof ProviderName)[keyof typeof ProviderName];

/** Every provider name, native first. */
export const PROVIDER_NAMES: readonly ProviderName[] = Object.values(ProviderName);

/** Whether `value` is a provider name. */
export function isProviderName(value: unknown): value is ProviderName {
  return (PROVIDER_NAMES as readonly unknown[]).includes(value);
}
