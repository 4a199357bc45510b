import type { PerfTestName } from './tests.js';

/** The port both sides meet on by default (perftest's, TCP or rdma_cm). */
export const DEFAULT_PERF_PORT = 18515;

/**
 * One `vrdma perf` run, with perftest's meanings (the flag each field comes
 * from is in brackets). Defaults as perftest's: see `perfDefaults()`.
 */
export interface PerfOptions {
  readonly test: PerfTestName;
  /** Peer host: this side is the client; absent: the server. */
  readonly host?: string;
  /** [-d] device name; default the first native device, else loop0. */
  readonly device?: string;
  /** [-i] port of the device. */
  readonly ibPort: number;
  /** [-x] GID index (connection records then carry a GID). */
  readonly gidIndex?: number;
  /** [-s] message size in bytes. */
  readonly size: number;
  /** [-a] every size from 2 B to 8 MiB. */
  readonly all: boolean;
  /** [-n] iterations. */
  readonly iters: number;
  /** [-D] run for this many seconds instead of `iters` (client side). */
  readonly durationS?: number;
  /** [-q] queue pairs (bandwidth tests). */
  readonly qps: number;
  /** [-t] send-queue depth: work requests in flight per QP (bandwidth tests). */
  readonly txDepth: number;
  /** [-l] post list: work requests per post call. */
  readonly postList: number;
  /** [-I] largest inline payload (0: none). */
  readonly inline: number;
  /** [--report_gbits] bandwidth in Gb/s instead of MB/s (MB = 2^20 bytes). */
  readonly reportGbits: boolean;
  /** [-p] port of the out-of-band exchange: TCP, or with `rdmaCm` the rdma_cm port of the exchange and the test QPs. */
  readonly port: number;
  /**
   * [-R] perftest's rdma_cm mode: the QPs are connected by rdma_cm, and the
   * exchange runs as SEND/RECV messages on an rdma_cm connection on `port`
   * instead of TCP (both sides must use it).
   */
  readonly rdmaCm: boolean;
}

/** perftest's defaults for `test`: size 2 B (latency) or 64 KiB (bandwidth), and so on. */
export function perfDefaults(test: PerfTestName, kind: 'lat' | 'bw', atomic: boolean): Omit<PerfOptions, 'host' | 'device' | 'gidIndex' | 'durationS'> {
  return {
    test,
    ibPort: 1,
    size: atomic ? 8 : kind === 'lat' ? 2 : 65536,
    all: false,
    iters: test === 'write_bw' ? 5000 : 1000,
    qps: 1,
    txDepth: kind === 'bw' ? 128 : 1,
    postList: 1,
    inline: 0,
    reportGbits: false,
    port: DEFAULT_PERF_PORT,
    rdmaCm: false,
  };
}
