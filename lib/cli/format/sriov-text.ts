import type {
  PciFunctionInfo, PhysicalFunction, SoftwareRdmaDevice, SriovTopology, SysfsPort, SysfsRdmaDevice,
} from '../../sriov/types.js';
import { pciModelName } from '../../sriov/pci-names.js';
import { formatGuid } from '../../sriov/guid.js';
import { renderTree, type TreeNode } from '../tree.js';

function ids(fn: PciFunctionInfo): string {
  const v = fn.vendorId?.replace(/^0x/, '') ?? '????';
  const d = fn.deviceId?.replace(/^0x/, '') ?? '????';
  const model = pciModelName(fn.vendorId, fn.deviceId);
  return `${model ? `${model} ` : ''}[${v}:${d}]`;
}

function functionFacts(fn: PciFunctionInfo): string[] {
  const facts = [ids(fn)];
  if (fn.assignedToVm) facts.push(`${fn.driver ?? 'vfio-pci'} (assigned to a VM)`);
  else facts.push(fn.driver ?? 'no driver');
  if (fn.numaNode !== undefined) facts.push(`NUMA ${fn.numaNode}`);
  if (fn.iommuGroup !== undefined) facts.push(`IOMMU group ${fn.iommuGroup}`);
  return facts;
}

function portNode(p: SysfsPort): TreeNode {
  const facts = [`port ${p.port}`, p.linkLayer ?? 'link layer ?', p.stateName ?? 'state ?'];
  if (p.linkLayer === 'InfiniBand' && p.lid !== undefined) facts.push(`LID 0x${p.lid.toString(16)}`);
  if (p.rate !== undefined) facts.push(p.rate);
  const children: TreeNode[] = p.gids.map((g) => ({
    label: `gid ${g.index}  ${g.gid}${g.type ? `  ${g.type}` : ''}${g.netdev ? `  ${g.netdev}` : ''}`,
  }));
  if (p.linkLayer === 'InfiniBand' && p.pkeys.length > 0) {
    children.push({ label: `pkeys  ${p.pkeys.map((k) => (k.membership === 'full' ? k.pkey : `${k.pkey} (limited)`)).join('  ')}` });
  }
  return { label: facts.join('  '), children };
}

function rdmaNode(dev: SysfsRdmaDevice, extra: readonly string[] = []): TreeNode {
  const facts = [`rdma ${dev.name}`, ...extra];
  if (dev.nodeGuid !== undefined) facts.push(`node GUID ${formatGuid(dev.nodeGuid)}`);
  return { label: facts.join('  '), children: dev.ports.map(portNode) };
}

function functionChildren(fn: PciFunctionInfo): TreeNode[] {
  return [...fn.rdmaDevices.map((d) => rdmaNode(d)), ...fn.netdevs.map((n) => ({ label: `net ${n}` }))];
}

function pfNode(pf: PhysicalFunction): TreeNode {
  const vfs = `VFs ${pf.numVfs ?? '?'}/${pf.totalVfs ?? '?'}`;
  return {
    label: [pf.pciAddress, ...functionFacts(pf), vfs].join('  '),
    children: [
      ...functionChildren(pf),
      ...pf.vfs.map((vf) => ({
        label: [`VF ${vf.vfIndex}`, vf.pciAddress, ...functionFacts(vf)].join('  '),
        children: functionChildren(vf),
      })),
    ],
  };
}

function softwareNode(dev: SoftwareRdmaDevice): TreeNode {
  return rdmaNode(dev, [`${dev.driver}${dev.netdev ? ` over ${dev.netdev}` : ''}`]);
}

/** The topology as text: a tree per PF, then other RDMA functions, software devices and warnings. */
export function formatSriovText(t: SriovTopology): string {
  const out: string[] = [];
  if (t.physicalFunctions.length === 0) out.push(`No SR-IOV physical functions under ${t.sysfsRoot}.`);
  else {
    out.push(`SR-IOV physical functions (${t.sysfsRoot}):`);
    for (const pf of t.physicalFunctions) out.push(...renderTree(pfNode(pf)));
  }
  if (t.otherFunctions.length > 0) {
    out.push('', 'Other PCI functions with RDMA devices:');
    for (const fn of t.otherFunctions) out.push(...renderTree({ label: [fn.pciAddress, ...functionFacts(fn)].join('  '), children: functionChildren(fn) }));
  }
  if (t.softwareDevices.length > 0) {
    out.push('', 'Software RDMA devices:');
    for (const dev of t.softwareDevices) out.push(...renderTree(softwareNode(dev)));
  }
  return `${out.join('\n')}\n`;
}
