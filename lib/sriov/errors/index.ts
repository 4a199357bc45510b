export * from './sysfs-not-found-error.js';
export * from './pci-device-not-found-error.js';
export * from './no-sriov-error.js';
export * from './vf-limit-error.js';
export * from './sriov-permission-error.js';
export * from './sriov-write-error.js';
