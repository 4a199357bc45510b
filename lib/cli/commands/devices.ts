import type { Command, CommandContext } from '../command.js';
import type { DeviceReport, DevicesReport } from '../format/devices-text.js';
import type { DeviceInfo } from '../../types/device.js';
import { formatDevicesText } from '../format/devices-text.js';
import { createProgress, type Progress } from '../progress.js';
import { toJson } from '../json.js';
import { ExitCode } from '../exit-code.js';
import { EXIT_HELP, GLOBAL_HELP } from '../help.js';

function errorOf(err: unknown): { code: string; message: string } {
  const code = err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : 'ERR_UNEXPECTED';
  return { code, message: err instanceof Error ? err.message : String(err) };
}

async function probe(info: DeviceInfo, progress: Progress): Promise<DeviceReport> {
  const { openDevice } = await import('../../index.js');
  progress.step(`opening ${info.name} ...`);
  try {
    // A private loopback device: a hub is not needed to read port attributes.
    const ctx = await openDevice(info.name, info.provider === 'loopback' ? { hub: false } : {});
    try {
      return { ...info, port: ctx.queryPort(1), gids: ctx.gidTable(1), pkeys: ctx.pkeyTable(1) };
    } finally {
      ctx.close();
    }
  } catch (err) {
    return { ...info, error: errorOf(err) };
  }
}

async function run(ctx: CommandContext): Promise<number> {
  // Loaded here, not at start-up, so "sriov" works even where a provider fails to load.
  const { listDevices, providerStatus } = await import('../../index.js');
  const progress = createProgress(ctx.io);
  progress.step('listing devices ...');
  const providers = providerStatus();
  const infos = listDevices();
  const devices: DeviceReport[] = [];
  try {
    for (const info of infos) devices.push(ctx.options['brief'] === true ? info : await probe(info, progress));
  } finally {
    progress.done();
  }
  const report: DevicesReport = { providers, devices };
  ctx.io.stdout.write(ctx.json ? toJson(report) : formatDevicesText(report));
  return ExitCode.OK;
}

/** `vrdma devices`: every device of every provider, like ibv_devices/ibv_devinfo. */
export const devicesCommand: Command = {
  name: 'devices',
  summary: 'RDMA devices of every provider (native, loopback) with port 1 and its GIDs',
  options: { brief: { type: 'boolean' } },
  maxArgs: 0,
  run,
  help: `Usage: vrdma devices [--brief] [--json] [--sysfs DIR]

Lists the providers (available or why not) and every device they offer, like
ibv_devices and ibv_devinfo: name, provider, transport, node GUID, driver,
netdevs and SR-IOV role; then opens each device and shows port 1 (state,
MTU, link layer, LID) and its GID table. A device that cannot be opened is
listed with the error; that does not change the exit code.

Options:
  --brief        list only; do not open the devices

${GLOBAL_HELP}

${EXIT_HELP}
`,
};
