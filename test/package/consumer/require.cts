// A consumer's CommonJS TypeScript: the shipped declarations through require().
import vrdma = require('vrdma');
import sriov = require('vrdma/sriov');

const names: string[] = vrdma.listDevices().map((d: vrdma.DeviceInfo) => d.name);
const physicalFunctions: number = sriov.discoverSriov().physicalFunctions.length;
console.log(names, physicalFunctions);
