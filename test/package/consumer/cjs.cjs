// A consumer's CommonJS file: require() of the ES module package (Node 20.19+, 22.12+).
const vrdma = require('vrdma');
const sriov = require('vrdma/sriov');

for (const name of ['openDevice', 'listDevices', 'providerStatus', 'checkCompletion', 'RdmaError', 'WcBatch']) {
  if (typeof vrdma[name] !== 'function') throw new Error(`require('vrdma').${name} is missing`);
}
if (typeof sriov.discoverSriov !== 'function') throw new Error("require('vrdma/sriov').discoverSriov is missing");
if (!vrdma.listDevices().some((d) => d.name === 'loop0')) throw new Error('no loop0');
console.log('cjs: ok');
