import type { Command, CommandContext } from '../command.js';
import { suggestion } from '../did-you-mean.js';
import { UsageError } from '../usage-error.js';
import { toJson } from '../json.js';
import { ExitCode } from '../exit-code.js';
import { GLOBAL_HELP } from '../help.js';
import { softRoceStatus } from '../softroce/status.js';
import { formatSoftRoceStatus } from '../softroce/status-text.js';
import { isValidLinkName, linkDown, linkUp } from '../softroce/link-control.js';
import { runHere, runInVm } from '../softroce/vm-run.js';

const ACTIONS = ['status', 'up', 'down', 'run'] as const;
type Action = (typeof ACTIONS)[number];

/** Which options each action takes (besides the global ones). */
const ACTION_OPTIONS: Readonly<Record<Action, readonly string[]>> = {
  status: [],
  up: ['netdev', 'name'],
  down: ['name'],
  run: ['cpus', 'memory', 'hosts', 'timeout', 'nvme-sriov', 'ivshmem', 'vm'],
};

function actionOf(word: string | undefined): Action {
  if (word === undefined) return 'status';
  const action = ACTIONS.find((a) => a === word);
  if (action === undefined) throw new UsageError(`unknown softroce action "${word}"${suggestion(word, ACTIONS)}; actions: ${ACTIONS.join(', ')}`);
  return action;
}

function checkOptions(ctx: CommandContext, action: Action): void {
  for (const name of Object.keys(softroceCommand.options)) {
    if (ctx.options[name] !== undefined && !ACTION_OPTIONS[action].includes(name)) {
      throw new UsageError(`--${name} does not apply to "softroce ${action}"${ACTION_OPTIONS[action].length > 0 ? `; it takes ${ACTION_OPTIONS[action].map((o) => `--${o}`).join(', ')}` : ''}`);
    }
  }
}

function intOption(ctx: CommandContext, name: string, min: number, max: number): number | undefined {
  const v = ctx.options[name];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`--${name} takes a whole number from ${min} to ${max}, not "${String(v)}"`);
  return n;
}

function linkName(ctx: CommandContext): string {
  const v = ctx.options['name'];
  if (v === undefined) return 'rxe0';
  if (typeof v !== 'string' || !isValidLinkName(v)) throw new UsageError(`--name takes an RDMA device name (a letter, then letters, digits, "_", "." or "-"; at most 32), not "${String(v)}"`);
  return v;
}

function status(ctx: CommandContext): number {
  const s = softRoceStatus(ctx.sysfsRoot);
  ctx.io.stdout.write(ctx.json ? toJson(s) : formatSoftRoceStatus(s));
  return s.canCreateRxe || s.links.length > 0 ? ExitCode.OK : ExitCode.FAILURE;
}

function up(ctx: CommandContext): number {
  const netdev = ctx.options['netdev'];
  if (netdev === '' || netdev === true) throw new UsageError('--netdev needs an interface name');
  const link = linkUp(ctx.sysfsRoot, linkName(ctx), typeof netdev === 'string' ? netdev : undefined);
  ctx.io.stdout.write(ctx.json ? toJson({ action: 'up', link }) : `created ${link.name} (${link.driver}) on ${link.netdev ?? 'its netdev'}${link.active ? ', ACTIVE' : ''}\n`);
  return ExitCode.OK;
}

function down(ctx: CommandContext): number {
  const name = linkName(ctx);
  linkDown(ctx.sysfsRoot, name);
  ctx.io.stdout.write(ctx.json ? toJson({ action: 'down', name }) : `removed ${name}\n`);
  return ExitCode.OK;
}

async function run(ctx: CommandContext): Promise<number> {
  if (ctx.json) throw new UsageError('"softroce run" prints the command\'s own output; --json does not apply');
  const command = ctx.args.slice(1);
  if (command.length === 0) throw new UsageError('"softroce run" needs a command: vrdma softroce run [options] -- CMD [ARGS...]');
  const hosts = intOption(ctx, 'hosts', 1, 2) ?? 1;
  const cpus = intOption(ctx, 'cpus', 1, 64);
  const memoryMiB = intOption(ctx, 'memory', 256, 1 << 20);
  const timeoutS = intOption(ctx, 'timeout', 1, 7 * 24 * 3600);
  const nvmeSriov = ctx.options['nvme-sriov'] === true;
  const ivshmemMiB = intOption(ctx, 'ivshmem', 1, 1024);
  if (ivshmemMiB !== undefined && (ivshmemMiB & (ivshmemMiB - 1)) !== 0) throw new UsageError(`--ivshmem takes a power of two from 1 to 1024 (MiB: it becomes a PCI BAR), not ${ivshmemMiB}`);
  const s = softRoceStatus(ctx.sysfsRoot);
  if (hosts === 1 && ctx.options['vm'] !== true && !nvmeSriov && ivshmemMiB === undefined && (s.inVm || s.links.some((l) => l.driver === 'rxe' && l.active))) {
    return runHere(command, process.cwd());
  }
  return runInVm({
    command, project: process.cwd(), hosts: hosts === 2 ? 2 : 1,
    ...(cpus !== undefined ? { cpus } : {}),
    ...(memoryMiB !== undefined ? { memoryMiB } : {}),
    ...(timeoutS !== undefined ? { timeoutS } : {}),
    nvmeSriov,
    ...(ivshmemMiB !== undefined ? { ivshmemMiB } : {}),
  });
}

async function runAction(ctx: CommandContext): Promise<number> {
  const action = actionOf(ctx.args[0]);
  checkOptions(ctx, action);
  if (action !== 'run' && ctx.args.length > 1) throw new UsageError(`too many arguments for "softroce ${action}": ${ctx.args.slice(1).join(' ')}`);
  if (action === 'status') return status(ctx);
  if (action === 'up') return up(ctx);
  if (action === 'down') return down(ctx);
  return run(ctx);
}

/** `vrdma softroce status|up|down|run`: Soft-RoCE (rxe) here, or in a throwaway VM. */
export const softroceCommand: Command = {
  name: 'softroce',
  summary: 'Soft-RoCE (rxe): status, up, down, run a command on rxe0 in a VM',
  options: {
    netdev: { type: 'string' },
    name: { type: 'string' },
    cpus: { type: 'string' },
    memory: { type: 'string' },
    hosts: { type: 'string' },
    timeout: { type: 'string' },
    'nvme-sriov': { type: 'boolean' },
    ivshmem: { type: 'string' },
    vm: { type: 'boolean' },
  },
  maxArgs: Number.MAX_SAFE_INTEGER,
  run: runAction,
  help: `Usage: vrdma softroce [status] [--json]
       vrdma softroce up [--netdev IF] [--name rxe0] [--json]
       vrdma softroce down [--name rxe0] [--json]
       vrdma softroce run [--hosts 1|2] [--cpus N] [--memory MIB] [--timeout S]
                          [--nvme-sriov] [--ivshmem MIB] [--vm] -- CMD [ARGS...]

Soft-RoCE (rxe) is RoCEv2 in software over any Ethernet interface. Where
this kernel has rdma_rxe, "up" and "down" manage a link; where it has not,
"run" boots a throwaway QEMU VM with Debian's kernel and runs a command there
on rxe0, with the current directory mounted.

  status   rdma_rxe and siw (loaded, built in, installed), the RDMA core,
           the rxe/siw links and their netdevs, what is missing and why, and
           whether "run" can boot its VM (QEMU, cached kernel) (default)
  up       "rdma link add NAME type rxe netdev IF": --name (default rxe0),
           --netdev (default: the first interface that is up, not lo);
           needs root or CAP_NET_ADMIN
  down     "rdma link delete NAME" for an rxe or siw link (default rxe0)
  run      run CMD on rxe0 and exit with its status. On a kernel with an
           active rxe link (and inside the VM) CMD runs here; otherwise in a
           VM (TCG, no KVM needed): the host's / read-only under a
           throwaway overlay, the current directory read-write at its own
           path, rxe0 on 10.99.0.1, "ulimit -l" unlimited, VRDMA_IN_VM=1.
           The first run fetches Debian's kernel package with apt-get
           download into the cache ($VRDMA_CACHE_DIR, else
           $XDG_CACHE_HOME/vrdma, else ~/.cache/vrdma).

Options of run:
  --hosts 2       two VMs on a private virtual Ethernet link, 10.99.0.1 and
                  10.99.0.2, each with its own rxe0; CMD runs on both with
                  VRDMA_HOST_INDEX (0, 1) and VRDMA_PEER_ADDR (the other's
                  address); output lines are prefixed [host0]/[host1]; the
                  exit status is the higher of the two
  --cpus N        vCPUs per VM (default 2; 1 each with --hosts 2)
  --memory MIB    memory per VM (default 3072; 1536 each with --hosts 2)
  --timeout S     stop the VM(s) after S seconds (default 1200)
  --nvme-sriov    add QEMU's emulated NVMe controller with SR-IOV
  --ivshmem MIB   give every VM one inter-VM shared memory device (QEMU's
                  ivshmem-plain over one host file of MIB MiB, a power of
                  two): with --hosts 2 both VMs map the same memory. CMD
                  finds it at $VRDMA_IVSHMEM (the PCI BAR file to mmap),
                  $VRDMA_IVSHMEM_BYTES long. Always boots the VM
  --vm            use the VM even where this kernel has an rxe link

${GLOBAL_HELP}

Exit codes:
  0  done; status: this kernel has rxe (a link exists or can be created)
  1  failed; status: this kernel cannot have rxe links (use "run")
  2  bad command line
  run: CMD's exit status; 124 timeout; 125 the VM could not run CMD
`,
};
