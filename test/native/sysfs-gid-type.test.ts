// One rule for GID types read from sysfs: the native provider (kernels whose
// GID query gives no type) and SR-IOV discovery classify the same entries
// the same way. Pure: runs on a fixture tree everywhere.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GidType } from '../../lib/index.js';
import { sysfsGidAttrs } from '../../lib/providers/native/sysfs.js';
import { readRdmaPort } from '../../lib/sriov/rdma-port.js';

const root = mkdtempSync(join(tmpdir(), 'vrdma-gid-type-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A device folder with one port of this link layer and these `gid_attrs/types` texts (undefined: no file). */
function device(name: string, linkLayer: string, types: readonly (string | undefined)[]): string {
  const dir = join(root, name);
  const port = join(dir, 'ports', '1');
  for (const sub of ['gids', 'gid_attrs/types', 'gid_attrs/ndevs']) mkdirSync(join(port, sub), { recursive: true });
  writeFileSync(join(port, 'link_layer'), `${linkLayer}\n`);
  types.forEach((text, i) => {
    writeFileSync(join(port, 'gids', String(i)), `fe80:0000:0000:0000:0000:0000:0000:000${i + 1}\n`);
    if (text !== undefined) writeFileSync(join(port, 'gid_attrs', 'types', String(i)), `${text}\n`);
  });
  return dir;
}

const NAMES: Record<number, string> = { [GidType.IB]: 'IB', [GidType.ROCE_V1]: 'RoCEv1', [GidType.ROCE_V2]: 'RoCEv2' };

describe('GID type from sysfs', () => {
  it('reads the kernel strings the same way in the native provider and SR-IOV discovery', () => {
    for (const [linkLayer, expected] of [['Ethernet', ['RoCEv1', 'RoCEv2']], ['InfiniBand', ['IB', 'RoCEv2']]] as const) {
      const dir = device(`dev-${linkLayer}`, linkLayer, ['IB/RoCE v1', 'RoCE v2']);
      const native = [0, 1].map((i) => NAMES[sysfsGidAttrs(dir, 1, i, linkLayer).type]);
      const sriov = readRdmaPort(join(dir, 'ports', '1'), 1).gids.map((g) => g.type);
      expect(native).toEqual(expected);
      expect(sriov).toEqual(expected);
    }
  });

  it('does not take text that merely mentions v2 for RoCE v2', () => {
    const dir = device('dev-odd', 'Ethernet', ['not v2 at all', undefined]);
    expect(readRdmaPort(join(dir, 'ports', '1'), 1).gids.map((g) => g.type)).toEqual([undefined, undefined]);
    // The native provider needs a type: without a kernel string the link layer decides.
    expect(sysfsGidAttrs(dir, 1, 0, 'Ethernet').type).toBe(GidType.ROCE_V1);
    expect(sysfsGidAttrs(dir, 1, 1, 'InfiniBand').type).toBe(GidType.IB);
  });
});
