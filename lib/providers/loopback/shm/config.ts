/** Tunables of the cross-thread transport, read once per thread from the environment. */
export interface ShmConfig {
  /** Data bytes of each directed ring (a power of two). `VRDMA_SHM_RING_BYTES`, default 512 KiB. */
  readonly ringBytes: number;
  /** Plain (non-shared) payload bytes up to which a record carries the bytes itself; larger ones go through a staging buffer. */
  readonly inlineMax: number;
  /** A thread whose heartbeat stands still this long is gone. `VRDMA_SHM_PEER_TIMEOUT_MS`, default 2000. */
  readonly peerTimeoutMs: number;
  /** How often a thread advances its heartbeat and checks its peers'. */
  readonly heartbeatMs: number;
  /** The longest `resolve()` waits for a GID that names this process. */
  readonly resolveMs: number;
}

const KIB = 1024;

/**
 * The configuration for this thread. Malformed or out-of-range variables
 * fall back to the defaults; never throws.
 */
export function readConfig(env: NodeJS.ProcessEnv = process.env): ShmConfig {
  const ringBytes = powerOfTwo(env['VRDMA_SHM_RING_BYTES'], 512 * KIB, 64 * KIB, 256 * 1024 * KIB);
  const peerTimeoutMs = intIn(env['VRDMA_SHM_PEER_TIMEOUT_MS'], 2000, 200, 600_000);
  return {
    ringBytes,
    inlineMax: Math.min(64 * KIB, ringBytes / 4),
    peerTimeoutMs,
    heartbeatMs: Math.max(20, Math.min(100, Math.floor(peerTimeoutMs / 5))),
    resolveMs: 1000,
  };
}

function intIn(text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  return Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}

function powerOfTwo(text: string | undefined, fallback: number, min: number, max: number): number {
  const n = intIn(text, fallback, min, max);
  return (n & (n - 1)) === 0 ? n : fallback;
}
