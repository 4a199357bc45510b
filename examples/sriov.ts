// SR-IOV topology from sysfs: each physical function with its virtual
// functions, their RDMA devices and netdevs, or the VM they are assigned to.
// No privileges, no native code.
//   node sriov.js                 (reads /sys, or VRDMA_SYSFS)
import { discoverSriov } from 'vrdma/sriov';

const topology = discoverSriov();
if (topology.physicalFunctions.length === 0) console.log('no SR-IOV physical functions on this machine');
for (const pf of topology.physicalFunctions) {
  const rdma = pf.rdmaDevices.map((d) => d.name).join(', ') || 'no RDMA device';
  console.log(`${pf.pciAddress} ${pf.driver ?? '(no driver)'}: ${pf.numVfs}/${pf.totalVfs} VFs, ${rdma}`);
  for (const vf of pf.vfs) {
    const where = vf.assignedToVm ? `assigned to a VM (${vf.driver})` : vf.rdmaDevices.map((d) => d.name).join(', ') || 'no RDMA device';
    console.log(`  VF ${vf.vfIndex} ${vf.pciAddress}: ${where}`);
  }
}
