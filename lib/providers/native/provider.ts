import type { ContextBackend, ProviderBackend } from '../../provider/spi.js';
import type { DeviceInfo, ProviderStatus } from '../../types/device.js';
import { ProviderName } from '../../constants/provider-name.js';
import { RdmaError } from '../../errors/rdma-error.js';
import { sriovRoleOfRdmaDevice } from '../../sriov/role.js';
import { NATIVE_OPEN_OPTIONS, type NativeOpenOptions } from './options.js';
import { loadAddon, type NativeAddon, type RawDevice } from './addon.js';
import { nativeErrorFactories } from './errors.js';
import { sysfsDriver, sysfsLinkLayer, sysfsNetdevs } from './sysfs.js';
import { NativeContext } from './context.js';

let configured = false;

/** The loaded, configured addon, or the reason there is none. */
export function nativeAddon(): { readonly addon: NativeAddon } | { readonly reason: string } {
  const l = loadAddon();
  if (!l.ok) return { reason: l.reason };
  if (!configured) {
    l.addon.configure(nativeErrorFactories);
    configured = true;
  }
  return { addon: l.addon };
}

/** Transport in words from `ibv_device` fields and the port's link layer. */
export function transportName(transportType: number, nodeType: number, linkLayer: string | undefined): string {
  if (transportType === 1 || nodeType === 4) return 'iWARP';
  if (transportType === 2 || transportType === 3) return 'usNIC';
  if (linkLayer === 'Ethernet') return 'RoCE';
  if (linkLayer === 'InfiniBand' || transportType === 0) return 'InfiniBand';
  return 'unknown';
}

function linkLayerOf(addon: NativeAddon, raw: RawDevice): string | undefined {
  const fromSysfs = sysfsLinkLayer(raw.ibdevPath);
  if (fromSysfs !== undefined || raw.transportType !== 0) return fromSysfs;
  try {
    const ctx = addon.openDevice(raw.name);
    try {
      return ctx.queryPort(1).linkLayer === 2 ? 'Ethernet' : 'InfiniBand';
    } finally {
      ctx.close();
    }
  } catch {
    return undefined;
  }
}

function toDeviceInfo(addon: NativeAddon, raw: RawDevice): DeviceInfo {
  const transport = transportName(raw.transportType, raw.nodeType, linkLayerOf(addon, raw));
  const driver = sysfsDriver(raw.ibdevPath, raw.name);
  const netdevs = sysfsNetdevs(raw.ibdevPath);
  const sriov = sriovRoleOfRdmaDevice(raw.name);
  return {
    name: raw.name,
    provider: ProviderName.NATIVE,
    guid: raw.guid,
    transport,
    ...(driver !== undefined ? { driver } : {}),
    ...(netdevs.length > 0 ? { netdevs } : {}),
    ...(sriov !== undefined ? { sriov } : {}),
  };
}

const NO_DEVICES_HINT = 'load a driver (e.g. mlx5_ib), or create a Soft-RoCE device: modprobe rdma_rxe && rdma link add rxe0 type rxe netdev <netdev>';

/** Raw devices, or the reason there are none. */
function rawDevices(addon: NativeAddon): { readonly devices: RawDevice[] } | { readonly reason: string } {
  try {
    const devices = addon.getDeviceList();
    if (devices.length === 0) {
      return { reason: `libibverbs found no RDMA devices (is ibverbs-providers installed?): ${NO_DEVICES_HINT}` };
    }
    return { devices };
  } catch (err) {
    const errno = (err as { errno?: unknown }).errno;
    const message = err instanceof Error ? err.message : String(err);
    if (errno === 38 || errno === 2) {
      return { reason: `the kernel offers no RDMA (ibv_get_device_list failed with ${errno === 38 ? 'ENOSYS' : 'ENOENT'}: no /sys/class/infiniband_verbs): ${NO_DEVICES_HINT}` };
    }
    return { reason: `libibverbs cannot list devices: ${message}` };
  }
}

/**
 * The native provider: RDMA devices through libibverbs (HCAs, SR-IOV
 * virtual functions, Soft-RoCE). Unavailable, with the reason, when the
 * addon is not built, libibverbs is missing, or there is no device.
 */
export const nativeProvider: ProviderBackend<NativeOpenOptions> = {
  name: ProviderName.NATIVE,
  openOptions: NATIVE_OPEN_OPTIONS,

  status(): ProviderStatus {
    const a = nativeAddon();
    if ('reason' in a) return { name: ProviderName.NATIVE, available: false, reason: a.reason };
    const d = rawDevices(a.addon);
    if ('reason' in d) return { name: ProviderName.NATIVE, available: false, reason: d.reason };
    return { name: ProviderName.NATIVE, available: true };
  },

  listDevices(): DeviceInfo[] {
    const a = nativeAddon();
    if ('reason' in a) return [];
    const d = rawDevices(a.addon);
    if ('reason' in d) return [];
    return d.devices.map((raw) => toDeviceInfo(a.addon, raw));
  },

  /**
   * @throws RdmaError `ERR_NO_DEVICE` when the addon is unavailable or the device is unknown.
   * @throws VerbsError from `ibv_open_device`. @throws InvalidArgumentError for a bad port or GID index.
   */
  async open(name: string, options: NativeOpenOptions): Promise<ContextBackend> {
    const a = nativeAddon();
    if ('reason' in a) throw new RdmaError('ERR_NO_DEVICE', `no native device ${name}: ${a.reason}`);
    const d = rawDevices(a.addon);
    if ('reason' in d) throw new RdmaError('ERR_NO_DEVICE', `no native device ${name}: ${d.reason}`);
    const raw = d.devices.find((x) => x.name === name);
    if (!raw) {
      throw new RdmaError('ERR_NO_DEVICE', `no native device ${name}; native devices here: ${d.devices.map((x) => x.name).join(', ')}`);
    }
    const ctx = a.addon.openDevice(name);
    return new NativeContext(ctx, toDeviceInfo(a.addon, raw), raw.ibdevPath, options);
  },
};
