import type { SoftRoceStatus } from './status.js';
import type { ModuleState } from '../doctor/kernel-modules.js';

function moduleText(m: ModuleState): string {
  if (m.loaded) return 'loaded';
  if (m.builtin) return 'built in';
  if (m.file !== undefined) return `installed, not loaded (${m.file})`;
  return 'absent';
}

/** `vrdma softroce status` as text, one fact per line. Never throws. */
export function formatSoftRoceStatus(s: SoftRoceStatus): string {
  const lines = [
    `kernel     ${s.kernel}${s.inVm ? ' (inside the vrdma Soft-RoCE VM)' : ''}`,
    `rdma core  ${s.rdmaCore ? 'yes (/sys/class/infiniband)' : 'no'}`,
    `rdma_rxe   ${moduleText(s.modules.rdma_rxe)}`,
    `siw        ${moduleText(s.modules.siw)}`,
    `rdma tool  ${s.rdmaTool ?? 'not found (iproute2)'}`,
  ];
  if (s.links.length === 0) lines.push('links      none');
  for (const [i, l] of s.links.entries()) {
    lines.push(`${i === 0 ? 'links     ' : '          '} ${l.name} (${l.driver}) on ${l.netdev ?? 'an unknown netdev'}, ${l.active ? 'ACTIVE' : 'not active'}`);
  }
  lines.push(`here       ${s.canCreateRxe ? 'rxe links can be created ("vrdma softroce up")' : 'no rxe links on this kernel'}`);
  for (const m of s.missing) lines.push(`  - ${m}`);
  lines.push(`vm run     ${s.vm.ready ? 'ready' : 'not ready'} (QEMU ${s.vm.qemu ?? 'missing'}, kernel ${s.vm.kernel ?? 'not cached'}, cache ${s.vm.cacheDir})`);
  for (const m of s.vm.missing) lines.push(`  - ${m}`);
  for (const n of s.vm.notes) lines.push(`  note: ${n}`);
  return `${lines.join('\n')}\n`;
}
