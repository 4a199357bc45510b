import { join } from 'node:path';
import type { SysfsPort, SysfsRdmaDevice } from './types.js';
import { isDirectory, listDir, parseIntStrict, readAttr, type WarningSink } from './sysfs-read.js';
import { normalizeGuid } from './guid.js';
import { readRdmaPort } from './rdma-port.js';

/** Whether `name` can be an RDMA device name (a single path component). */
export function isRdmaDeviceName(name: string): boolean {
  return name.length > 0 && name.length <= 64 && !name.includes('/') && name !== '.' && name !== '..';
}

/**
 * The directory to read an RDMA device from: `<sysfs>/class/infiniband/<name>`
 * when it is there, else `fallbackDir` (its place under the PCI function).
 */
export function rdmaDeviceDir(sysfsRoot: string, name: string, fallbackDir?: string): string | undefined {
  const classDir = join(sysfsRoot, 'class', 'infiniband', name);
  if (isDirectory(classDir)) return classDir;
  if (fallbackDir !== undefined && isDirectory(fallbackDir)) return fallbackDir;
  return undefined;
}

/**
 * Read an RDMA device directory: GUIDs, node type, firmware and its ports.
 * Never throws; what cannot be read is left out (a malformed `node_guid` is
 * reported to `warn`).
 */
export function readRdmaDevice(dir: string, name: string, warn?: WarningSink): SysfsRdmaDevice {
  const guidText = readAttr(join(dir, 'node_guid'), warn);
  const nodeGuid = guidText === undefined ? undefined : normalizeGuid(guidText);
  if (guidText !== undefined && nodeGuid === undefined && warn) warn(`${join(dir, 'node_guid')} holds "${guidText.slice(0, 40)}", not a GUID`);
  const sysImageText = readAttr(join(dir, 'sys_image_guid'));
  const sysImageGuid = sysImageText === undefined ? undefined : normalizeGuid(sysImageText);
  const nodeTypeText = readAttr(join(dir, 'node_type'));
  const nodeType = nodeTypeText === undefined ? undefined : nodeTypeText.replace(/^\d+:\s*/, '');
  const fwVer = readAttr(join(dir, 'fw_ver'));
  const boardId = readAttr(join(dir, 'board_id'));
  const ports: SysfsPort[] = [];
  for (const entry of listDir(join(dir, 'ports'))) {
    const port = parseIntStrict(entry);
    if (port === undefined || port < 1) continue;
    ports.push(readRdmaPort(join(dir, 'ports', entry), port, warn));
  }
  return {
    name,
    ...(nodeGuid !== undefined ? { nodeGuid } : {}),
    ...(sysImageGuid !== undefined ? { sysImageGuid } : {}),
    ...(nodeType !== undefined && nodeType !== '' ? { nodeType } : {}),
    ...(fwVer !== undefined && fwVer !== '' ? { fwVer } : {}),
    ...(boardId !== undefined && boardId !== '' ? { boardId } : {}),
    ports,
  };
}
