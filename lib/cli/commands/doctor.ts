import type { Command, CommandContext } from '../command.js';
import type { Check, CheckResult } from '../doctor/check.js';
import { doctorEnv } from '../doctor/environment.js';
import { checkLibibverbs } from '../doctor/libibverbs.js';
import { checkRdmaDevices } from '../doctor/rdma-devices.js';
import { checkMemlock } from '../doctor/memlock.js';
import { checkRxe } from '../doctor/rxe.js';
import { checkHub } from '../doctor/hub.js';
import { formatDoctorText } from '../format/doctor-text.js';
import { createProgress } from '../progress.js';
import { parseSize } from '../size.js';
import { toJson } from '../json.js';
import { ExitCode } from '../exit-code.js';
import { EXIT_HELP, GLOBAL_HELP } from '../help.js';

/** The checks, in the order they run and print. */
export const DOCTOR_CHECKS: readonly { readonly name: string; readonly check: Check }[] = [
  { name: 'libibverbs', check: checkLibibverbs },
  { name: 'RDMA devices', check: checkRdmaDevices },
  { name: 'memlock limit', check: checkMemlock },
  { name: 'rxe', check: checkRxe },
  { name: 'loopback hub', check: checkHub },
];

async function run(ctx: CommandContext): Promise<number> {
  const bytesText = ctx.options['memlock-bytes'];
  const memlock = typeof bytesText === 'string' ? parseSize(bytesText, '--memlock-bytes') : undefined;
  const env = doctorEnv(ctx.sysfsRoot, memlock);
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
  const failed = checks.some((c) => c.status === 'fail');
  if (ctx.json) {
    const summary = {
      ok: checks.filter((c) => c.status === 'ok').length,
      warn: checks.filter((c) => c.status === 'warn').length,
      fail: checks.filter((c) => c.status === 'fail').length,
    };
    ctx.io.stdout.write(toJson({ ok: !failed, summary, checks }));
  } else {
    ctx.io.stdout.write(formatDoctorText(checks));
  }
  return failed ? ExitCode.FAILURE : ExitCode.OK;
}

/** `vrdma doctor`: preflight checks with a fix for each problem. */
export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check this machine for RDMA: libibverbs, devices, memlock, rxe, loopback hub',
  options: { 'memlock-bytes': { type: 'string' } },
  maxArgs: 0,
  run,
  help: `Usage: vrdma doctor [--memlock-bytes N] [--json] [--sysfs DIR]

Runs each check and prints ok, warn or FAIL with what to do:
  libibverbs     the native provider loads (libibverbs and the addon)
  rdma-devices   kernel RDMA devices exist and a port is ACTIVE
  memlock        "Max locked memory" in /proc/self/limits covers the planned
                 registration size
  rxe            Soft-RoCE can be created: rdma_rxe loaded or installed for
                 this kernel (a kernel built without CONFIG_INFINIBAND cannot:
                 use the Soft-RoCE VM runner "npm run test:rxe")
  loopback-hub   a loopback hub answers (warning only)

Options:
  --memlock-bytes N   bytes you plan to register (64M, 2G or plain bytes);
                      below the limit it fails. Default 64M, below it warns.

${GLOBAL_HELP}

Environment (for testing against fixture trees):
  VRDMA_PROCFS, VRDMA_MODULES_DIR, VRDMA_KERNEL_RELEASE

${EXIT_HELP}
`,
};
