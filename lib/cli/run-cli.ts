import { readFileSync } from 'node:fs';
import type { CliIo } from './io.js';
import type { Command } from './command.js';
import { parseCommandLine } from './parse-command-line.js';
import { reportError } from './report-error.js';
import { mainHelp } from './help.js';
import { ExitCode } from './exit-code.js';
import { defaultSysfsRoot } from '../sriov/sysfs-root.js';
import { devicesCommand } from './commands/devices.js';
import { sriovCommand } from './commands/sriov.js';
import { doctorCommand } from './commands/doctor.js';
import { hubCommand } from './commands/hub.js';
import { perfCommand } from './commands/perf.js';
import { softroceCommand } from './commands/softroce.js';
import { UsageError } from './usage-error.js';

/** Every command, in the order help lists them. */
export const COMMANDS: readonly Command[] = [devicesCommand, sriovCommand, doctorCommand, hubCommand, perfCommand, softroceCommand];

function version(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    if (pkg !== null && typeof pkg === 'object' && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // fall through
  }
  return 'unknown';
}

function isUsageCode(err: unknown): boolean {
  if (err === null || typeof err !== 'object' || !('code' in err)) return false;
  return err.code === 'ERR_USAGE' || err.code === 'ERR_INVALID_ARG';
}

/**
 * Run `vrdma` with `argv` (the arguments after the script) and return the
 * exit code. `--sysfs` is also put into `VRDMA_SYSFS` so the library's own
 * sysfs reads (SR-IOV roles in `listDevices()`) use the same tree.
 * Never throws: errors are written to stderr.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  try {
    const line = parseCommandLine(argv, COMMANDS);
    if (line.version) {
      io.stdout.write(line.json ? `${JSON.stringify({ version: version() })}\n` : `vrdma ${version()}\n`);
      return ExitCode.OK;
    }
    if (line.help) {
      io.stdout.write(line.command ? line.command.help : mainHelp(COMMANDS));
      return ExitCode.OK;
    }
    if (!line.command) {
      if (line.json) throw new UsageError(`no command given; commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
      io.stderr.write(mainHelp(COMMANDS));
      return ExitCode.USAGE;
    }
    if (line.sysfs !== undefined) process.env['VRDMA_SYSFS'] = line.sysfs;
    return await line.command.run({
      io,
      json: line.json,
      sysfsRoot: line.sysfs ?? defaultSysfsRoot(),
      options: line.options,
      args: line.args,
    });
  } catch (err) {
    reportError(io, err, json);
    return isUsageCode(err) ? ExitCode.USAGE : ExitCode.FAILURE;
  }
}
