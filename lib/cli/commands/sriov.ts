import type { Command, CommandContext } from '../command.js';
import { discoverSriov } from '../../sriov/discover.js';
import { formatSriovText } from '../format/sriov-text.js';
import { toJson } from '../json.js';
import { ExitCode } from '../exit-code.js';
import { EXIT_HELP, GLOBAL_HELP } from '../help.js';
import { UsageError } from '../usage-error.js';
import { runSriovSet } from './sriov-set.js';

async function run(ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = ctx.args;
  if (sub === 'set') return runSriovSet(ctx, rest);
  if (sub !== undefined) throw new UsageError(`unknown "sriov" subcommand "${sub}"; did you mean "vrdma sriov set <pf> <count>"?`);
  const topology = discoverSriov({ sysfsRoot: ctx.sysfsRoot });
  if (ctx.json) {
    ctx.io.stdout.write(toJson(topology));
  } else {
    ctx.io.stdout.write(formatSriovText(topology));
    for (const w of topology.warnings) ctx.io.stderr.write(`warning: ${w}\n`);
  }
  return ExitCode.OK;
}

/** `vrdma sriov`: the PF -> VF tree; `vrdma sriov set <pf> <count>`: change the VF count. */
export const sriovCommand: Command = {
  name: 'sriov',
  summary: 'SR-IOV physical functions and their VFs; "sriov set" changes the VF count',
  options: {},
  maxArgs: 3,
  run,
  help: `Usage: vrdma sriov [--json] [--sysfs DIR]
       vrdma sriov set <pf-pci-address> <count> [--json] [--sysfs DIR]

Without arguments: every PCI physical function with SR-IOV (sriov_totalvfs),
its virtual functions (virtfnN links) and, for each function, the driver
(vfio-pci = assigned to a VM), NUMA node, IOMMU group, netdevs and RDMA
devices with node GUID, ports, GIDs and P_Keys. Then other PCI functions
with RDMA devices, and software RDMA devices (rxe, siw). Problems met in
sysfs are printed as warnings on stderr (in "warnings" with --json).

"set" writes sriov_numvfs (needs root). Going from one non-zero count to
another writes 0 first, which removes the existing VFs.

${GLOBAL_HELP}

${EXIT_HELP}
`,
};
