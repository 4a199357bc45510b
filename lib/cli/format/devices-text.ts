import type { DeviceInfo, GidEntry, PortAttributes, ProviderStatus, SriovRole } from '../../types/device.js';
import { LinkLayer, mtuBytes } from '../../constants/port.js';
import { pkeyText } from '../../constants/pkey.js';

/** One device as `vrdma devices` reports it: what `listDevices()` says plus, when opened, port 1. */
export interface DeviceReport extends DeviceInfo {
  /** `queryPort(1)`, when the device was opened. */
  readonly port?: PortAttributes;
  /** `gidTable(1)`, when the device was opened. */
  readonly gids?: readonly GidEntry[];
  /** `pkeyTable(1)`, when the device was opened (unused entries are 0). */
  readonly pkeys?: readonly number[];
  /** Why opening or querying it failed. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** The whole `vrdma devices` report. */
export interface DevicesReport {
  readonly providers: readonly ProviderStatus[];
  readonly devices: readonly DeviceReport[];
}

function linkLayerName(value: number): string {
  if (value === LinkLayer.INFINIBAND) return 'InfiniBand';
  if (value === LinkLayer.ETHERNET) return 'Ethernet';
  return 'unspecified';
}

function roleText(role: SriovRole): string {
  if (role.role === 'pf') return `PF ${role.pciAddress}, ${role.numVfs}/${role.totalVfs} VFs`;
  if (role.role === 'vf') return `VF ${role.vfIndex} of ${role.pf} (${role.pciAddress})`;
  return role.pciAddress ? `none (${role.pciAddress})` : 'none';
}

function row(label: string, value: string, indent = '    '): string {
  return `${indent}${`${label}:`.padEnd(18)}${value}`;
}

/** The report as text, in the spirit of `ibv_devinfo`. */
export function formatDevicesText(report: DevicesReport): string {
  const out: string[] = ['Providers:'];
  for (const p of report.providers) {
    out.push(`    ${p.name.padEnd(10)}${p.available ? 'available' : `unavailable: ${p.reason ?? 'no reason given'}`}`);
  }
  if (report.devices.length === 0) {
    out.push('', 'No RDMA devices found.');
    return `${out.join('\n')}\n`;
  }
  for (const d of report.devices) {
    out.push('', `hca_id: ${d.name}`);
    out.push(row('provider', d.provider), row('transport', d.transport), row('node_guid', d.guid));
    if (d.driver !== undefined) out.push(row('driver', d.driver));
    if (d.netdevs && d.netdevs.length > 0) out.push(row('netdevs', d.netdevs.join(', ')));
    if (d.sriov) out.push(row('sr-iov', roleText(d.sriov)));
    if (d.error) out.push(row('error', `${d.error.message} [${d.error.code}]`));
    if (d.port) {
      const p = d.port;
      out.push('    port: 1');
      out.push(
        row('state', `${p.stateName} (${p.state})`, '        '),
        row('max_mtu', `${mtuBytes(p.maxMtu)} (${p.maxMtu})`, '        '),
        row('active_mtu', `${mtuBytes(p.activeMtu)} (${p.activeMtu})`, '        '),
        row('link_layer', linkLayerName(p.linkLayer), '        '),
      );
      if (p.linkLayer !== LinkLayer.ETHERNET) out.push(row('port_lid', String(p.lid), '        '), row('sm_lid', String(p.smLid), '        '));
      for (const g of d.gids ?? []) {
        out.push(row(`GID[${String(g.index).padStart(3)}]`, `${g.gid}, ${g.typeName}${g.netdev ? `, ${g.netdev}` : ''}`, '        '));
      }
      (d.pkeys ?? []).forEach((pkey, i) => {
        if (pkey !== 0) out.push(row(`PKEY[${String(i).padStart(3)}]`, pkeyText(pkey), '        '));
      });
    }
  }
  return `${out.join('\n')}\n`;
}
