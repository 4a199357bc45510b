/** procfs and kernel-module trees for `vrdma doctor` tests. */
import { SysfsBuilder } from '../sriov/fixtures/index.js';

/** Options for `buildProcfs`. */
export interface ProcfsOptions {
  /** "Max locked memory" soft and hard values, e.g. `"8388608"` or `"unlimited"`. */
  readonly memlock?: readonly [string, string];
  /** CapEff as hex; default no capabilities. */
  readonly capEff?: string;
  /** Lines of /proc/modules. */
  readonly modules?: readonly string[];
}

/** Write `self/limits`, `self/status` and `modules` as procfs has them. */
export function buildProcfs(b: SysfsBuilder, o: ProcfsOptions = {}): SysfsBuilder {
  const [soft, hard] = o.memlock ?? ['8388608', '8388608'];
  b.file('self/limits', [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max cpu time              unlimited            unlimited            seconds   ',
    `Max locked memory         ${soft.padEnd(21)}${hard.padEnd(21)}bytes     `,
    'Max open files            1048576              1048576              files     ',
  ].join('\n'));
  b.file('self/status', `Name:\tnode\nUmask:\t0022\nCapInh:\t0000000000000000\nCapPrm:\t${o.capEff ?? '0000000000000000'}\nCapEff:\t${o.capEff ?? '0000000000000000'}\n`);
  b.file('modules', (o.modules ?? []).join('\n'));
  return b;
}

/** Write `/lib/modules/<release>` with the given module files (paths under the release dir). */
export function buildModules(b: SysfsBuilder, release: string, files: readonly string[]): SysfsBuilder {
  b.dir(release);
  for (const f of files) b.file(`${release}/${f}`, 'ELF');
  b.file(`${release}/modules.dep`, files.map((f) => `${f}:`).join('\n'));
  b.file(`${release}/modules.builtin`, 'kernel/drivers/net/ethernet/intel/e1000/e1000.ko');
  return b;
}
