import type { Context } from '../context.js';
import type { ProtectionDomain } from '../protection-domain.js';
import type { QueuePair } from '../queue-pair.js';
import type { MemoryRegion } from '../memory-region.js';
import type { OpenOptions } from '../providers/registry.js';
import { Context as ContextClass } from '../context.js';
import { ProtectionDomain as PdClass } from '../protection-domain.js';
import { QueuePair as QpClass } from '../queue-pair.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { checkInt } from '../validate/numbers.js';
import { checkOptions, optionShape, type OptionShape } from '../validate/options.js';
import { DEFAULT_MAX_FRAME_BYTES } from './exchange/wire.js';

/**
 * How a `Connection` is built and behaves; `listen()` and `connect()` take
 * these beside the address. Everything is optional.
 */
export interface ConnectionOptions {
  /** Device to open (default: `openDevice()`'s default); ignored with `context`, `pd` or `qp`. */
  readonly device?: string;
  /** Options for opening `device`. */
  readonly openOptions?: OpenOptions;
  /** Use this open device (the connection does not close it). Shared by many connections, it saves one device open each. */
  readonly context?: Context;
  /** Use this protection domain (not closed by the connection); needed when `regions` are given. */
  readonly pd?: ProtectionDomain;
  /** Use this RC queue pair, still in INIT (not closed by the connection); its CQ must serve it alone while the connection is open, and is read no more once it is closed. */
  readonly qp?: QueuePair;
  /** Bytes of a region the connection allocates and exposes to the peer first (read, write, atomics); default 0 (none). */
  readonly expose?: number;
  /** Your own regions to expose to the peer, after the connection's own; they must belong to `pd` (or `qp.pd`); at most 65535 in all (65534 with `expose`). */
  readonly regions?: readonly MemoryRegion[];
  /** Application bytes sent to the peer in the exchange (`connection.peerPayload` there); default none. */
  readonly payload?: Uint8Array;
  /** Largest message for `send`/`recv` and staged `write`/`read`: a multiple of 8 from 8 to 16 MiB; default 65536. */
  readonly messageSize?: number;
  /** Operations in flight before the next one waits, 1..4096; default 16. */
  readonly maxInFlight?: number;
  /** Receives kept posted, 1..4096; default 16. */
  readonly recvDepth?: number;
  /** How long each exchange step and `close()`'s goodbye may take, in ms; default 10000. */
  readonly timeoutMs?: number;
  /** Largest exchange frame accepted from the peer, in bytes; default 1 MiB. */
  readonly maxFrameBytes?: number;
  /** Give up setting the connection up when it fires. */
  readonly signal?: AbortSignal;
}

/** The same, checked, with every default filled in. */
export interface ConnectionSettings {
  readonly device: string | undefined;
  readonly openOptions: OpenOptions;
  readonly context: Context | null;
  readonly pd: ProtectionDomain | null;
  readonly qp: QueuePair | null;
  readonly expose: number;
  readonly regions: readonly MemoryRegion[];
  readonly payload: Uint8Array;
  readonly messageSize: number;
  readonly maxInFlight: number;
  readonly recvDepth: number;
  readonly timeoutMs: number;
  readonly maxFrameBytes: number;
  readonly signal: AbortSignal | undefined;
}

/** The keys and types of `ConnectionOptions`. */
export const CONNECTION_OPTIONS: OptionShape<ConnectionOptions> = {
  device: 'string', openOptions: 'object', context: ContextClass, pd: PdClass, qp: QpClass, expose: 'integer',
  regions: 'object', payload: Uint8Array, messageSize: 'integer', maxInFlight: 'integer', recvDepth: 'integer',
  timeoutMs: 'integer', maxFrameBytes: 'integer', signal: AbortSignal,
};

/**
 * Check connection options and fill in defaults.
 * @throws InvalidArgumentError naming the bad option.
 */
export function toConnectionSettings(fn: string, o: ConnectionOptions, extra: OptionShape): ConnectionSettings {
  checkOptions(fn, 'options', o, optionShape({ ...CONNECTION_OPTIONS, ...extra }));
  const maxFrameBytes = checkInt('options.maxFrameBytes', o.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, 1024, 1 << 30);
  const payload = o.payload ?? new Uint8Array(0);
  const regions = o.regions ?? [];
  if (!Array.isArray(regions)) throw new InvalidArgumentError('options.regions', 'must be an array of MemoryRegion');
  // The hello's region list has a 16-bit count, and the region of `expose` comes first.
  const maxRegions = (o.expose ?? 0) > 0 ? 0xfffe : 0xffff;
  if (regions.length > maxRegions) throw new InvalidArgumentError('options.regions', `at most ${maxRegions} regions${maxRegions < 0xffff ? ' besides the one options.expose adds' : ''}, got ${regions.length}`);
  const headroom = 4096 + 20 * regions.length;
  if (payload.length + headroom > maxFrameBytes) {
    throw new InvalidArgumentError('options.payload', `${payload.length} bytes do not fit in an exchange frame of at most ${maxFrameBytes} bytes (options.maxFrameBytes); the peer must accept frames that large too`);
  }
  const pd = o.pd ?? o.qp?.pd ?? null;
  for (const [i, mr] of regions.entries()) {
    if (pd === null || mr.pd !== pd) throw new InvalidArgumentError(`options.regions[${i}]`, 'must belong to the protection domain given as options.pd (or options.qp.pd)');
  }
  if (o.qp !== undefined && o.pd !== undefined && o.qp.pd !== o.pd) throw new InvalidArgumentError('options.qp', 'belongs to another protection domain than options.pd');
  if (pd !== null && o.context !== undefined && pd.context !== o.context) throw new InvalidArgumentError('options.context', 'is not the context of options.pd (or options.qp)');
  return {
    device: o.device,
    openOptions: o.openOptions ?? {},
    context: o.context ?? pd?.context ?? null,
    pd,
    qp: o.qp ?? null,
    expose: checkInt('options.expose', o.expose ?? 0, 0, 2 ** 40),
    regions,
    payload,
    messageSize: checkMessageSize(o.messageSize ?? 65536),
    maxInFlight: checkInt('options.maxInFlight', o.maxInFlight ?? 16, 1, 4096),
    recvDepth: checkInt('options.recvDepth', o.recvDepth ?? 16, 1, 4096),
    timeoutMs: checkInt('options.timeoutMs', o.timeoutMs ?? 10_000, 1, 2 ** 31 - 1),
    maxFrameBytes,
    signal: o.signal,
  };
}

function checkMessageSize(n: number): number {
  checkInt('options.messageSize', n, 8, 16 << 20);
  if (n % 8 !== 0) throw new InvalidArgumentError('options.messageSize', `must be a multiple of 8 (atomics use the staging slots), got ${n}`);
  return n;
}
