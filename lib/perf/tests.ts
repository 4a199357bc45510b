/**
 * The tests `vrdma perf` runs, named and behaving as perftest's tools
 * (`send_lat` is `ib_send_lat`, and so on).
 */

/** What a test moves. */
export type PerfVerb = 'send' | 'write' | 'read' | 'atomic';

/** One test's traits. */
export interface PerfTestTraits {
  readonly verb: PerfVerb;
  /** Latency (ping-pong or one-sided round trips) or bandwidth (a stream). */
  readonly kind: 'lat' | 'bw';
  /** The perftest tool it speaks with. */
  readonly tool: string;
}

/** Every test, by name. */
export const PERF_TESTS = {
  send_lat: { verb: 'send', kind: 'lat', tool: 'ib_send_lat' },
  write_lat: { verb: 'write', kind: 'lat', tool: 'ib_write_lat' },
  read_lat: { verb: 'read', kind: 'lat', tool: 'ib_read_lat' },
  atomic_lat: { verb: 'atomic', kind: 'lat', tool: 'ib_atomic_lat' },
  send_bw: { verb: 'send', kind: 'bw', tool: 'ib_send_bw' },
  write_bw: { verb: 'write', kind: 'bw', tool: 'ib_write_bw' },
  read_bw: { verb: 'read', kind: 'bw', tool: 'ib_read_bw' },
  atomic_bw: { verb: 'atomic', kind: 'bw', tool: 'ib_atomic_bw' },
} as const satisfies Record<string, PerfTestTraits>;

/** A test name: `"send_lat"`, `"write_bw"`, ... */
export type PerfTestName = keyof typeof PERF_TESTS;

/** The test names, in the order help lists them. */
export const PERF_TEST_NAMES = Object.keys(PERF_TESTS) as PerfTestName[];

/** Whether `name` is a test name. */
export function isPerfTestName(name: string): name is PerfTestName {
  return Object.hasOwn(PERF_TESTS, name);
}

/** Message size of the atomic tests (fixed, as in perftest). */
export const ATOMIC_SIZE = 8;

/** The sizes `-a` runs: 2 B to 8 MiB in powers of two (perftest's 2^1..2^23). */
export const ALL_SIZES: readonly number[] = Array.from({ length: 23 }, (_, i) => 2 ** (i + 1));
