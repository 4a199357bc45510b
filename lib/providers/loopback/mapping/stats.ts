/**
 * Counters of this thread's requests to and from other processes whose
 * bytes stayed in shared memory, for tests and benchmarks.
 */
export interface MappingStats {
  /** Requests sent with a list of pieces instead of their bytes. */
  requestsOut: number;
  /** Bytes those requests moved without the socket (payloads, READ lengths). */
  bytesOut: number;
  /** Such requests received and served. */
  requestsIn: number;
  /** Bytes copied between a peer's shared memory and a local region by this thread. */
  bytesIn: number;
}

/** The counters of this thread. */
export const mappingStats: MappingStats = { requestsOut: 0, bytesOut: 0, requestsIn: 0, bytesIn: 0 };

/** A copy of this thread's counters. */
export function readMappingStats(): MappingStats {
  return { ...mappingStats };
}
