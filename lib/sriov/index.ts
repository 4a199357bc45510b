export type * from './types.js';
export { discoverSriov, type DiscoverOptions } from './discover.js';
export { setNumVfs, type SetNumVfsOptions, type SetNumVfsResult } from './set-num-vfs.js';
export { sriovRoleOfRdmaDevice } from './role.js';
export { sriovRoleOfPciFunction } from './pci-role.js';
export { defaultSysfsRoot } from './sysfs-root.js';
export { normalizePciAddress, isPciAddress } from './pci-address.js';
export { pciModelName } from './pci-names.js';
export * from './errors/index.js';
