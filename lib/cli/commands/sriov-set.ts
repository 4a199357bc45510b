import type { CommandContext } from '../command.js';
import { setNumVfs } from '../../sriov/set-num-vfs.js';
import { toJson } from '../json.js';
import { ExitCode } from '../exit-code.js';
import { UsageError } from '../usage-error.js';

/**
 * `vrdma sriov set <pf> <count>`: write `sriov_numvfs` through `setNumVfs()`.
 * @throws UsageError when the arguments are missing or the count is not a number.
 * @throws the errors of `setNumVfs()`.
 */
export async function runSriovSet(ctx: CommandContext, args: readonly string[]): Promise<number> {
  const [pf, countText] = args;
  if (pf === undefined || countText === undefined) throw new UsageError('usage: vrdma sriov set <pf-pci-address> <count>');
  if (!/^\d+$/.test(countText)) throw new UsageError(`the VF count must be a non-negative integer, got "${countText}"`);
  const result = await setNumVfs(pf, Number.parseInt(countText, 10), { sysfsRoot: ctx.sysfsRoot });
  if (ctx.json) {
    ctx.io.stdout.write(toJson(result));
  } else if (result.writes.length === 0) {
    ctx.io.stdout.write(`${result.pciAddress}: already has ${result.numVfs} VFs; nothing written\n`);
  } else {
    const how = result.writes.length > 1 ? ` (wrote ${result.writes.join(', then ')})` : '';
    ctx.io.stdout.write(`${result.pciAddress}: sriov_numvfs ${result.previous} -> ${result.numVfs}${how}\n`);
  }
  return ExitCode.OK;
}
