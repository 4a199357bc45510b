import type { Command, CommandContext } from '../command.js';
import type { HubProbe } from '../../providers/loopback/hub-probe.js';
import { probeHub } from '../../providers/loopback/hub-probe.js';
import { defaultHubAddressText } from '../../providers/loopback/hub/address.js';
import { hubAddressOf, startHub, stopHub } from '../hub/hub-control.js';
import { suggestion } from '../did-you-mean.js';
import { UsageError } from '../usage-error.js';
import { toJson } from '../json.js';
import { ExitCode } from '../exit-code.js';
import { EXIT_HELP, GLOBAL_HELP } from '../help.js';

const ACTIONS = ['status', 'start', 'stop'] as const;
type Action = (typeof ACTIONS)[number];

function actionOf(word: string | undefined): Action {
  if (word === undefined) return 'status';
  const action = ACTIONS.find((a) => a === word);
  if (action === undefined) throw new UsageError(`unknown hub action "${word}"${suggestion(word, ACTIONS)}; actions: ${ACTIONS.join(', ')}`);
  return action;
}

function idleMsOf(value: string | boolean | undefined): number {
  if (value === undefined) return 0;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) throw new UsageError(`--idle-ms takes milliseconds (0 = run until stopped), not "${String(value)}"`);
  return Number(value);
}

/** One line about a hub, for text output. */
function describe(probe: HubProbe): string {
  return probe.reachable ? `hub running at ${probe.address}: ${probe.detail}` : `no hub running at ${probe.address}: ${probe.detail}`;
}

function report(ctx: CommandContext, action: Action, probe: HubProbe, extra: Readonly<Record<string, boolean>>, line: string): void {
  if (ctx.json) {
    ctx.io.stdout.write(toJson({ action, running: action === 'stop' ? false : probe.reachable, address: probe.address, ...(probe.pid !== undefined ? { pid: probe.pid } : {}), detail: probe.detail, ...extra }));
  } else {
    ctx.io.stdout.write(`${line}\n`);
  }
}

async function run(ctx: CommandContext): Promise<number> {
  const action = actionOf(ctx.args[0]);
  const listen = ctx.options['listen'];
  const addr = hubAddressOf(typeof listen === 'string' ? listen : undefined, defaultHubAddressText());
  if (action === 'status') {
    const probe = await probeHub(addr.text);
    report(ctx, action, probe, {}, describe(probe));
  } else if (action === 'start') {
    const { probe, started } = await startHub(addr, idleMsOf(ctx.options['idle-ms']));
    report(ctx, action, probe, { started }, started ? `started: ${describe(probe)}` : `already running: ${describe(probe)}`);
  } else {
    const { probe, stopped } = await stopHub(addr);
    report(ctx, action, probe, { stopped }, stopped ? `stopped the hub at ${probe.address} (pid ${probe.pid})` : describe(probe));
  }
  return ExitCode.OK;
}

/** `vrdma hub status|start|stop`: the loopback hub that lets loop0 processes of a user meet. */
export const hubCommand: Command = {
  name: 'hub',
  summary: 'the loopback hub: status, start, stop',
  options: { listen: { type: 'string' }, 'idle-ms': { type: 'string' } },
  maxArgs: 1,
  run,
  help: `Usage: vrdma hub [status|start|stop] [--listen ADDR] [--idle-ms N] [--json]

The hub lets loop0 contexts in different processes of a user meet (it hands
out LIDs, GIDs and QP numbers; data goes peer to peer). The first
openDevice('loop0') starts one on demand and it exits once idle, so none
running is normal.

  status   whether a hub answers, its pid, uptime and clients (default)
  start    start one, detached, unless one answers already; it runs until
           "vrdma hub stop" (or --idle-ms N without clients)
  stop     stop the hub on this host (SIGTERM) and wait until it is gone

Options:
  --listen ADDR   a socket path or tcp://host:port (default: VRDMA_HUB, else
                  hub.sock in the runtime directory). A TCP hub needs
                  VRDMA_HUB_TOKEN in the environment (never on the command
                  line); serve VMs on a host bridge with its address.
  --idle-ms N     start: exit after N ms without clients (default 0: never)

${GLOBAL_HELP}

${EXIT_HELP}
`,
};
