import { parseSizes } from './sizes.js';
import { POLL_MODES, type PollMode } from './pacer.js';

export type Only = 'latency' | 'bandwidth' | 'baselines';
export type ProviderChoice = 'loopback' | 'native';
export type PlacementId = 'thread' | 'worker' | 'worker-wait' | 'process' | 'process-wait' | 'process-socket';
const PLACEMENT_IDS: readonly PlacementId[] = ['thread', 'worker', 'worker-wait', 'process', 'process-wait', 'process-socket'];

/** Everything `bench/run.ts` takes on its command line. */
export interface BenchOptions {
  readonly provider: ProviderChoice;
  /** Device name; null: `loop0`, or the first native device. */
  readonly device: string | null;
  readonly gidIndex: number | undefined;
  /** null: the default sizes. */
  readonly sizes: readonly number[] | null;
  /** Iterations per size exactly (perftest `-n`); null: scaled defaults. */
  readonly iters: number | null;
  readonly json: string | null;
  readonly only: Only | null;
  readonly quick: boolean;
  /** Measure each figure this many times and report the median. */
  readonly repeat: number;
  /** null: every placement the provider has. */
  readonly placements: readonly PlacementId[] | null;
  /** Poll mode of the `process` placement (default: yield on loopback, spin on native). */
  readonly processMode: PollMode | null;
  /** Bandwidth: requests in flight (perftest `-t`). */
  readonly window: number;
  /** Bandwidth: requests per post call (perftest `-l`). */
  readonly batch: number;
  /** Latency: inline payloads up to this size. */
  readonly inline: number | null;
  readonly help: boolean;
}

export const USAGE = `usage: node dist/bench/run.js [options]   (npm run bench -- [options])

  --provider loopback|native   which provider to measure (default loopback)
  --device NAME                device (default loop0, or the first native device)
  --gid-index N                GID index on native RoCE devices (rxe: 1)
  --sizes 2,64,4K,1M           message sizes (default 2 B, then 4 B .. 4 MiB by powers of 4)
  --iters N                    iterations per size, exactly (default: scaled to size)
  --only latency|bandwidth|baselines
  --placements thread,worker,worker-wait,process,process-wait,process-socket
                               (*-wait: both sides sleep in cq.wait(); default: all)
  --process-mode spin|yield|wait   how the "process" sides wait (default yield on loopback,
                               whose hub delivers on the event loop; spin on native)
  --repeat N                   measure each figure N times, report the median (default 1)
  --window N                   bandwidth: requests in flight (default 128)
  --batch N                    bandwidth: requests per postSend array (default 16)
  --inline N                   latency: inline payloads up to N bytes (default 0 on loopback, 64 native)
  --json FILE                  also write every figure as JSON
  --quick                      a short run (CI smoke, under about 30 s)
  --help`;

function int(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`${flag}: expected an integer from ${min} to ${max}, got "${text}"`);
  return n;
}

/** Parse argv (without node and script). @throws Error with a usage message. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let provider: ProviderChoice = 'loopback';
  let device: string | null = null;
  let gidIndex: number | undefined;
  let sizes: number[] | null = null;
  let iters: number | null = null;
  let json: string | null = null;
  let only: Only | null = null;
  let quick = false;
  let repeat = 1;
  let placements: PlacementId[] | null = null;
  let processMode: PollMode | null = null;
  let window = 128;
  let batch = 16;
  let inline: number | null = null;
  let help = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inlineValue = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inlineValue !== undefined) return inlineValue;
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--provider': {
        const v = value();
        if (v !== 'loopback' && v !== 'native') throw new Error(`--provider: expected loopback or native, got "${v}"`);
        provider = v;
        break;
      }
      case '--device': device = value(); break;
      case '--gid-index': gidIndex = int(flag, value(), 0, 255); break;
      case '--sizes': sizes = parseSizes(value()); break;
      case '--iters': iters = int(flag, value(), 1, 100_000_000); break;
      case '--json': json = value(); break;
      case '--only': {
        const v = value();
        if (v !== 'latency' && v !== 'bandwidth' && v !== 'baselines') throw new Error(`--only: expected latency, bandwidth or baselines, got "${v}"`);
        only = v;
        break;
      }
      case '--placements': {
        const list = value().split(',').map((s) => s.trim()).filter(Boolean);
        for (const p of list) if (!(PLACEMENT_IDS as readonly string[]).includes(p)) throw new Error(`--placements: unknown "${p}" (use ${PLACEMENT_IDS.join(', ')})`);
        placements = list as PlacementId[];
        break;
      }
      case '--process-mode': {
        const v = value();
        if (!(POLL_MODES as readonly string[]).includes(v)) throw new Error(`--process-mode: expected ${POLL_MODES.join(', ')}, got "${v}"`);
        processMode = v as PollMode;
        break;
      }
      case '--quick': quick = true; break;
      case '--repeat': repeat = int(flag, value(), 1, 99); break;
      case '--window': window = int(flag, value(), 1, 512); break;
      case '--batch': batch = int(flag, value(), 1, 512); break;
      case '--inline': inline = int(flag, value(), 0, 1024); break;
      case '--help': case '-h': help = true; break;
      default: throw new Error(`unknown option "${arg}"`);
    }
  }
  if (batch > window) throw new Error(`--batch (${batch}) must not exceed --window (${window})`);
  return { provider, device, gidIndex, sizes, iters, json, only, quick, repeat, placements, processMode, window, batch, inline, help };
}
