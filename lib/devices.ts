import type { DeviceInfo, ProviderStatus } from './types/device.js';
import type { ContextBackend, ProviderBackend } from './provider/spi.js';
import { checkGidIndexOption } from './provider/port-options.js';
import { checkOpenOptions, providers, type OpenOptions } from './providers/registry.js';
import { Context } from './context.js';
import { RdmaError } from './errors/rdma-error.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import { PortState } from './constants/port.js';
import { ProviderName } from './constants/provider-name.js';
import { describe } from './validate/numbers.js';

/** The loopback device that is always present. */
export const LOOPBACK_DEVICE = 'loop0';

/** Whether each provider is usable here, with the reason when it is not. Never throws. */
export function providerStatus(): ProviderStatus[] {
  return providers().map((p) => safeStatus(p));
}

/**
 * Every device of every available provider: native devices first (with
 * their SR-IOV role where sysfs tells it), then `loop0`. Never throws.
 */
export function listDevices(): DeviceInfo[] {
  const out: DeviceInfo[] = [];
  for (const p of providers()) {
    if (!safeStatus(p).available) continue;
    try {
      out.push(...p.listDevices());
    } catch {
      continue;
    }
  }
  return out;
}

/**
 * Open a device. With no name: `VRDMA_DEVICE` when set, else the first
 * native device with an active port, else `loop0`.
 * @throws InvalidArgumentError for a malformed name, an option no provider reads (with the nearest known one),
 *   an option of the wrong type, a port the device does not have, or a GID index that is not populated.
 * @throws RdmaError `ERR_NO_DEVICE` naming the devices there are and why a provider is unavailable.
 * @throws VerbsError when the device cannot be opened.
 */
export async function openDevice(name?: string, options: OpenOptions = {}): Promise<Context> {
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new InvalidArgumentError('name', `must be a device name, got ${describe(name)}`);
  }
  checkOpenOptions(options);
  const wanted = name ?? (process.env['VRDMA_DEVICE'] || undefined);
  if (wanted !== undefined) {
    for (const p of providers()) {
      if (!safeStatus(p).available) continue;
      if (p.listDevices().some((d) => d.name === wanted)) return new Context(await openBackend(p, wanted, options));
    }
    throw noDevice(wanted);
  }
  for (const p of providers()) {
    if (p.name !== ProviderName.NATIVE || !safeStatus(p).available) continue;
    for (const d of p.listDevices()) {
      let backend;
      try {
        backend = await openBackend(p, d.name, options);
      } catch {
        continue;
      }
      let active = false;
      try {
        active = backend.queryPort(options.port ?? 1).state === PortState.ACTIVE;
      } catch {
        active = false;
      }
      if (active) return new Context(backend);
      backend.close();
    }
  }
  const loop = providers().find((p) => p.name === ProviderName.LOOPBACK);
  if (!loop) throw noDevice(LOOPBACK_DEVICE);
  return new Context(await openBackend(loop, LOOPBACK_DEVICE, options));
}

/**
 * Open a device and check that `options.gidIndex` names a populated GID of
 * the endpoint port (the provider has checked the port).
 * @throws InvalidArgumentError for an unpopulated GID index (the device is closed then).
 */
async function openBackend(p: ProviderBackend<OpenOptions>, name: string, options: OpenOptions): Promise<ContextBackend> {
  const backend = await p.open(name, options);
  if (options.gidIndex === undefined) return backend;
  try {
    const port = options.port ?? 1;
    checkGidIndexOption(name, port, backend.gidTable(port), options.gidIndex);
  } catch (err) {
    backend.close();
    throw err;
  }
  return backend;
}

function noDevice(name: string): RdmaError {
  const names = listDevices().map((d) => d.name);
  const reasons = providerStatus().filter((s) => !s.available).map((s) => `the ${s.name} provider is unavailable: ${s.reason ?? 'unknown reason'}`);
  const parts = [`no RDMA device named "${name}"`, `devices here: ${names.length ? names.join(', ') : 'none'}`, ...reasons];
  return new RdmaError('ERR_NO_DEVICE', parts.join('; '));
}

function safeStatus(p: ProviderBackend): ProviderStatus {
  try {
    return p.status();
  } catch (err) {
    return { name: p.name, available: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
