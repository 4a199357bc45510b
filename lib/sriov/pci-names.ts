/**
 * Names for a few PCI vendor/device ids that SR-IOV discovery meets most,
 * for text output. Anything else prints as its ids.
 */
const NAMES: Readonly<Record<string, string>> = {
  '15b3:1013': 'ConnectX-4',
  '15b3:1014': 'ConnectX-4 VF',
  '15b3:1015': 'ConnectX-4 Lx',
  '15b3:1016': 'ConnectX-4 Lx VF',
  '15b3:1017': 'ConnectX-5',
  '15b3:1018': 'ConnectX-5 VF',
  '15b3:1019': 'ConnectX-5 Ex',
  '15b3:101a': 'ConnectX-5 Ex VF',
  '15b3:101b': 'ConnectX-6',
  '15b3:101c': 'ConnectX-6 VF',
  '15b3:101d': 'ConnectX-6 Dx',
  '15b3:101e': 'ConnectX mlx5 VF',
  '15b3:101f': 'ConnectX-6 Lx',
  '15b3:1021': 'ConnectX-7',
  '1b36:0010': 'QEMU NVMe controller',
  '8086:1572': 'Intel X710',
  '8086:154c': 'Intel X710/XL710 VF',
  '8086:1592': 'Intel E810-C',
  '8086:1889': 'Intel E810 VF',
};

/**
 * A short model name for `vendorId`/`deviceId` as sysfs writes them
 * (`"0x15b3"`, `"0x1017"` -> `"ConnectX-5"`), or undefined when unknown.
 */
export function pciModelName(vendorId: string | undefined, deviceId: string | undefined): string | undefined {
  if (vendorId === undefined || deviceId === undefined) return undefined;
  const key = `${vendorId.replace(/^0x/i, '').toLowerCase()}:${deviceId.replace(/^0x/i, '').toLowerCase()}`;
  return NAMES[key];
}
