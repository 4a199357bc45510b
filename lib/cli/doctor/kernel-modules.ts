import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDirectory, readAttr } from '../../sriov/sysfs-read.js';
import type { DoctorEnv } from './check.js';

/** Where a kernel module stands on this machine. */
export interface ModuleState {
  /** In `/sys/module/<name>` or `/proc/modules`. */
  readonly loaded: boolean;
  /** Listed in `modules.builtin`. */
  readonly builtin: boolean;
  /** A `<name>.ko*` file under `/lib/modules/<release>`, when one exists. */
  readonly file?: string;
}

function findKo(dir: string, name: string): string | undefined {
  // modules.dep names every loadable module: cheap to search, and when it
  // exists a module it does not name is not installed. Walking the tree
  // instead (thousands of files) is only for a tree without depmod's index.
  const dep = readAttr(join(dir, 'modules.dep'));
  if (dep !== undefined) {
    const hit = dep.split('\n').map((l) => l.split(':')[0] ?? '').find((p) => new RegExp(`(^|/)${name}\\.ko(\\.[a-z]+)?$`).test(p));
    return hit ? join(dir, hit) : undefined;
  }
  try {
    const entries = readdirSync(dir, { recursive: true, encoding: 'utf8' });
    const hit = entries.find((e) => new RegExp(`(^|/)${name}\\.ko(\\.[a-z]+)?$`).test(e));
    return hit === undefined ? undefined : join(dir, hit);
  } catch {
    return undefined;
  }
}

/**
 * Whether a kernel module (`rdma_rxe`, `ib_core`) is loaded, built in, or
 * installed for the running kernel. Never throws.
 */
export function moduleState(env: DoctorEnv, name: string): ModuleState {
  const procModules = readAttr(join(env.procRoot, 'modules')) ?? '';
  const loaded = isDirectory(join(env.sysfsRoot, 'module', name)) || procModules.split('\n').some((l) => l.startsWith(`${name} `));
  const kdir = join(env.modulesDir, env.kernelRelease);
  const builtinText = readAttr(join(kdir, 'modules.builtin')) ?? '';
  const builtin = builtinText.split('\n').some((l) => l.endsWith(`/${name}.ko`) || l === `${name}.ko`);
  const file = isDirectory(kdir) ? findKo(kdir, name) : undefined;
  return { loaded, builtin, ...(file !== undefined ? { file } : {}) };
}
