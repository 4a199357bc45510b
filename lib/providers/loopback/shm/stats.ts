/**
 * Counters of this thread's cross-thread transport, for tests and
 * benchmarks: they show which path each byte took.
 */
export interface ShmStats {
  /** Records written to rings (requests, responses, control). */
  recordsOut: number;
  /** Records consumed from rings. */
  recordsIn: number;
  /** Bytes copied straight from a peer's shared memory into their target (the one-copy path). */
  sharedBytesIn: number;
  /** Plain-memory bytes copied into ring records by this thread. */
  ringBytesOut: number;
  /** Bytes copied out of ring records by this thread. */
  ringBytesIn: number;
  /** Plain-memory bytes copied into staging buffers by this thread. */
  stagedBytesOut: number;
  /** Bytes copied out of staging buffers by this thread. */
  stagedBytesIn: number;
  /** Packets that found their ring full and waited. */
  backlogged: number;
  /** Shared buffers made known to a peer thread. */
  buffersShared: number;
  /** Peer threads found gone (withdrawn, exited, or silent too long). */
  peersLost: number;
}

/** The counters of this thread (one transport per thread). */
export const shmStats: ShmStats = {
  recordsOut: 0,
  recordsIn: 0,
  sharedBytesIn: 0,
  ringBytesOut: 0,
  ringBytesIn: 0,
  stagedBytesOut: 0,
  stagedBytesIn: 0,
  backlogged: 0,
  buffersShared: 0,
  peersLost: 0,
};

/** A copy of this thread's counters. */
export function readShmStats(): ShmStats {
  return { ...shmStats };
}

/** Set every counter of this thread to 0. */
export function resetShmStats(): void {
  for (const key of Object.keys(shmStats) as Array<keyof ShmStats>) shmStats[key] = 0;
}
