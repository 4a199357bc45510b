import { join } from 'node:path';
import type { SysfsGid, SysfsPkey, SysfsPort } from './types.js';
import { listDir, readAttr, parseIntStrict, type WarningSink } from './sysfs-read.js';
import { formatGid, gidTypeName } from './gid.js';

/** Split `"4: ACTIVE"` into 4 and `"ACTIVE"`. */
function numberedName(text: string | undefined): { num?: number; name?: string } {
  if (text === undefined) return {};
  const m = /^(\d+):\s*(.*)$/.exec(text);
  if (!m) return { name: text };
  return { num: Number.parseInt(m[1] ?? '', 10), name: m[2] ?? '' };
}

function readGids(portDir: string, linkLayer: string | undefined): SysfsGid[] {
  const out: SysfsGid[] = [];
  for (const entry of listDir(join(portDir, 'gids'))) {
    const index = parseIntStrict(entry);
    if (index === undefined) continue;
    const raw = readAttr(join(portDir, 'gids', entry));
    const gid = raw === undefined ? undefined : formatGid(raw);
    if (gid === undefined) continue;
    // Unpopulated entries fail to read in gid_attrs (EINVAL): read them quietly.
    const typeText = readAttr(join(portDir, 'gid_attrs', 'types', entry));
    const type = typeText === undefined ? undefined : gidTypeName(typeText, linkLayer);
    const netdev = readAttr(join(portDir, 'gid_attrs', 'ndevs', entry));
    out.push({ index, gid, ...(type ? { type } : {}), ...(netdev ? { netdev } : {}) });
  }
  return out;
}

function readPkeys(portDir: string): SysfsPkey[] {
  const out: SysfsPkey[] = [];
  for (const entry of listDir(join(portDir, 'pkeys'))) {
    const index = parseIntStrict(entry);
    if (index === undefined) continue;
    const text = readAttr(join(portDir, 'pkeys', entry));
    const value = text === undefined ? undefined : parseIntStrict(text);
    if (value === undefined || (value & 0x7fff) === 0 || value > 0xffff) continue;
    out.push({
      index,
      pkey: `0x${value.toString(16).padStart(4, '0')}`,
      membership: value & 0x8000 ? 'full' : 'limited',
    });
  }
  return out;
}

/**
 * Read one port directory (`<ibdev>/ports/N`). Never throws: what cannot be
 * read is left out, and a `state` that cannot be read is reported to `warn`.
 * @param portDir - the `ports/N` directory.
 * @param port - the port number N.
 */
export function readRdmaPort(portDir: string, port: number, warn?: WarningSink): SysfsPort {
  const linkLayer = readAttr(join(portDir, 'link_layer'));
  const state = numberedName(readAttr(join(portDir, 'state'), warn));
  const phys = numberedName(readAttr(join(portDir, 'phys_state')));
  const lidText = readAttr(join(portDir, 'lid'));
  const smLidText = readAttr(join(portDir, 'sm_lid'));
  const lid = lidText === undefined ? undefined : parseIntStrict(lidText);
  const smLid = smLidText === undefined ? undefined : parseIntStrict(smLidText);
  const rate = readAttr(join(portDir, 'rate'));
  return {
    port,
    ...(linkLayer !== undefined ? { linkLayer } : {}),
    ...(state.num !== undefined ? { state: state.num } : {}),
    ...(state.name !== undefined ? { stateName: state.name } : {}),
    ...(phys.name !== undefined ? { physState: phys.name } : {}),
    ...(lid !== undefined ? { lid } : {}),
    ...(smLid !== undefined ? { smLid } : {}),
    ...(rate !== undefined ? { rate } : {}),
    gids: readGids(portDir, linkLayer),
    pkeys: readPkeys(portDir),
  };
}
