import { listDevices, providerStatus } from '../../lib/index.js';

/** The native device to use: `wanted`, or the first one listed. @returns the name, or why there is none. */
export function pickNativeDevice(wanted: string | null): { name: string } | { reason: string } {
  const status = providerStatus().find((s) => s.name === 'native');
  if (!status?.available) return { reason: `the native provider is unavailable: ${status?.reason ?? 'not registered'}` };
  const natives = listDevices().filter((d) => d.provider === 'native');
  if (wanted !== null) {
    return natives.some((d) => d.name === wanted)
      ? { name: wanted }
      : { reason: `no native device "${wanted}" (devices: ${natives.map((d) => d.name).join(', ') || 'none'})` };
  }
  const first = natives[0];
  return first ? { name: first.name } : { reason: 'the native provider lists no devices' };
}
