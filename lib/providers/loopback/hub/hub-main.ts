/**
 * The loopback hub program. Started detached by `openDevice('loop0')` when
 * no hub answers, or by hand:
 *
 *   node hub-main.js [--listen ADDR]... [--idle-ms N] [--on-demand]
 *
 * ADDR is a socket path or tcp://host:port (default: `VRDMA_HUB`, else
 * hub.sock in the runtime directory). A TCP listener needs `VRDMA_HUB_TOKEN`.
 * The hub exits after `--idle-ms` (default `VRDMA_HUB_IDLE_MS`, else 10000;
 * 0 = never) without clients, on SIGTERM or SIGINT, and exits 0 at once when
 * another hub already serves the address. `--on-demand` (what clients
 * pass) makes it refuse to create a missing runtime directory, so a hub
 * that starts after its users cleaned up does not bring the directory back.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { defaultHubAddressText, parseAddress, type HubAddress } from './address.js';
import { Hub } from './hub-server.js';
import { listenTcp, listenUnix, type Listening } from './hub-listen.js';
import { HubStateFile } from './hub-state.js';
import { ensureRuntimeDir, runtimeDirPath } from './runtime-dir.js';
import { messageOf } from './errors.js';

/** Default idle time before a hub with no clients exits. */
const DEFAULT_IDLE_MS = 10_000;

interface Args {
  readonly listen: HubAddress[];
  readonly idleMs: number;
  readonly onDemand: boolean;
}

function log(line: string): void {
  const text = `vrdma-hub[${process.pid}] ${new Date().toISOString()} ${line}\n`;
  const file = process.env['VRDMA_HUB_LOG'];
  try {
    if (file) appendFileSync(file, text);
    else process.stderr.write(text);
  } catch {
    // nowhere to log
  }
}

function parseArgs(argv: readonly string[]): Args {
  const listen: HubAddress[] = [];
  let onDemand = false;
  const envIdle = Number(process.env['VRDMA_HUB_IDLE_MS']);
  let idleMs = Number.isFinite(envIdle) && envIdle >= 0 && process.env['VRDMA_HUB_IDLE_MS'] !== '' ? envIdle : DEFAULT_IDLE_MS;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = argv[i + 1];
    if (a === '--listen' && value !== undefined) {
      listen.push(parseAddress(value, '--listen'));
      i++;
    } else if (a === '--on-demand') {
      onDemand = true;
    } else if (a === '--idle-ms' && value !== undefined && /^\d+$/.test(value)) {
      idleMs = Number(value);
      i++;
    } else {
      throw new Error(`unknown or incomplete argument "${a}" (usage: hub-main.js [--listen ADDR]... [--idle-ms N] [--on-demand])`);
    }
  }
  if (listen.length === 0) listen.push(parseAddress(defaultHubAddressText()));
  return { listen, idleMs, onDemand };
}

/** `VRDMA_HUB_FRAME_MS`: how long a frame may take to arrive whole (100 ms .. 10 min); the default otherwise. */
function frameMsFromEnv(): number | undefined {
  const n = Number(process.env['VRDMA_HUB_FRAME_MS']);
  return Number.isInteger(n) && n >= 100 && n <= 600_000 ? n : undefined;
}

/** Where the hub keeps its next LID: beside its socket, or in the runtime directory for a TCP-only hub (none when that is unusable). */
function stateFileFor(args: Args): HubStateFile | null {
  const unix = args.listen.find((a) => a.kind === 'unix');
  if (unix) return new HubStateFile(`${unix.path}.state`);
  const tcp = args.listen[0]!;
  const port = tcp.kind === 'tcp' ? tcp.port : 0;
  try {
    return new HubStateFile(join(ensureRuntimeDir(runtimeDirPath(), !args.onDemand), `hub-tcp-${port}.state`));
  } catch {
    return null;
  }
}

/** `VRDMA_HUB_START_DELAY_MS`: wait this long before listening (0..60 s), to test clients against a slow start. */
function startDelayMs(): number {
  const n = Number(process.env['VRDMA_HUB_START_DELAY_MS']);
  return Number.isInteger(n) && n > 0 && n <= 60_000 ? n : 0;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const delay = startDelayMs();
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  const token = process.env['VRDMA_HUB_TOKEN'] || null;
  if (args.listen.some((a) => a.kind === 'tcp') && token === null) {
    log('a TCP listener needs a token: set VRDMA_HUB_TOKEN');
    return 2;
  }
  const state = stateFileFor(args);
  const listening: Listening[] = [];
  let stopped = false;
  const stop = (why: string): void => {
    if (stopped) return;
    stopped = true;
    log(`exiting: ${why}`);
    for (const l of listening) l.close();
    hub.close();
    setImmediate(() => process.exit(0));
  };
  const hub = new Hub({
    idleMs: args.idleMs, token, nextLid: state?.readNextLid(),
    onIdle: () => stop(`no client for ${args.idleMs} ms`),
    onNextLid: (lid) => state?.writeNextLid(lid),
    frameMs: frameMsFromEnv(), log,
  });
  for (const addr of args.listen) {
    const onSocket = (s: Socket): void => hub.attach(s, addr.kind === 'tcp');
    const r = addr.kind === 'unix' ? await listenUnix(addr, onSocket, !args.onDemand, log) : await listenTcp(addr, onSocket);
    if (r === 'taken') {
      for (const l of listening) l.close();
      hub.close();
      log(`another hub serves ${addr.text}`);
      return 0;
    }
    listening.push(r);
    log(`listening on ${addr.text}`);
  }
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {});
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    log(`cannot start: ${messageOf(err)}`);
    process.exit(1);
  },
);
