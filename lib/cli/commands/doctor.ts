import type { Command, CommandContext } from '../command.js';
import type { Check, CheckResult, RequiredProvider } from '../doctor/check.js';
import { doctorEnv } from '../doctor/environment.js';
import { checkLoopback } from '../doctor/loopback.js';
import { checkNativeProvider } from '../doctor/native-provider.js';
import { doctorVerdict } from '../doctor/verdict.js';
import { TROUBLESHOOTING_URL } from '../doctor/troubleshooting.js';
import { UsageError } from '../usage-error.js';
import { checkRdmaDevices } from '../doctor/rdma-devices.js';
import { checkMemlock } from '../doctor/memlock.js';
import { checkRxe } from '../doctor/rxe.js';
import { checkHub } from '../doctor/hub.js';
import { formatDoctorText } from '../format/doctor-text.js';
import { createProgress } from '../progress.js';
import { parseSize } from '../size.js';
import { toJson } from '../json.js';
import { ExitCode } from '../exit-code.js';
import { GLOBAL_HELP } from '../help.js';

/** The checks, in the order they run and print. */
export const DOCTOR_CHECKS: readonly { readonly name: string; readonly check: Check }[] = [
  { name: 'loopback provider', check: checkLoopback },
  { name: 'native provider', check: checkNativeProvider },
  { name: 'RDMA devices', check: checkRdmaDevices },
  { name: 'memlock limit', check: checkMemlock },
  { name: 'rxe', check: checkRxe },
  { name: 'loopback hub', check: checkHub },
];

function requiredProvider(value: string | boolean | undefined): RequiredProvider | undefined {
  if (value === undefined) return undefined;
  if (value === 'native' || value === 'loopback') return value;
  throw new UsageError(`--require takes native or loopback, not "${String(value)}"`);
}

async function run(ctx: CommandContext): Promise<number> {
  const bytesText = ctx.options['memlock-bytes'];
  const memlock = typeof bytesText === 'string' ? parseSize(bytesText, '--memlock-bytes') : undefined;
  const env = doctorEnv(ctx.sysfsRoot, memlock, requiredProvider(ctx.options['require']));
  const progress = createProgress(ctx.io);
  const checks: CheckResult[] = [];
  try {
    for (const { name, check } of DOCTOR_CHECKS) {
      progress.step(`checking ${name} ...`);
      checks.push(await check(env));
    }
  } finally {
    progress.done();
  }
  const verdict = doctorVerdict(checks);
  if (ctx.json) {
    ctx.io.stdout.write(toJson({ ...verdict, ...(env.require !== undefined ? { require: env.require } : {}), checks, troubleshooting: TROUBLESHOOTING_URL }));
  } else {
    ctx.io.stdout.write(formatDoctorText(checks, verdict));
  }
  return verdict.ok ? ExitCode.OK : ExitCode.FAILURE;
}

/** `vrdma doctor`: preflight checks with a fix for each problem. */
export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check this machine: which providers work, devices, memlock, rxe, loopback hub',
  options: { 'memlock-bytes': { type: 'string' }, require: { type: 'string' } },
  maxArgs: 0,
  run,
  help: `Usage: vrdma doctor [--require native|loopback] [--memlock-bytes N] [--json] [--sysfs DIR]

Runs each check and prints ok, off, warn or FAIL, with what to do:
  loopback       the loopback provider (loop0) works here
  native         the native provider loads (libibverbs and the addon) and
                 finds RDMA devices
  rdma-devices   kernel RDMA devices exist and a port is ACTIVE
  memlock        "Max locked memory" in /proc/self/limits covers the planned
                 registration size
  rxe            Soft-RoCE can be created: rdma_rxe loaded or installed for
                 this kernel
  loopback-hub   whether a loopback hub runs (none running is normal)

"off" means not available here and not needed: loop0 works without the
native provider, devices and rxe. Exit 0 when some provider works and
nothing you asked for is missing.

Options:
  --require P         the provider you need (native or loopback): what it
                      lacks then fails, and doctor exits 1
  --memlock-bytes N   bytes you plan to register (64M, 2G or plain bytes);
                      below the limit it fails. Default 64M, below it warns.

More: ${TROUBLESHOOTING_URL}

${GLOBAL_HELP}

Environment (for testing against fixture trees):
  VRDMA_PROCFS, VRDMA_MODULES_DIR, VRDMA_KERNEL_RELEASE

Exit codes:
  0  some provider works and no check failed
  1  a check failed: the required provider (--require) or memory size
     (--memlock-bytes) cannot work here, or no provider works
  2  bad command line
`,
};
