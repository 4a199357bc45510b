import type { OptionsConfig, OptionValues } from '../command.js';
import { UsageError } from '../usage-error.js';
import { suggestion } from '../did-you-mean.js';
import { parseSize } from '../size.js';
import { isPerfTestName, PERF_TEST_NAMES, PERF_TESTS } from '../../perf/tests.js';
import { perfDefaults, type PerfOptions } from '../../perf/options.js';

/** perftest's flags, with its long names. */
export const PERF_FLAGS = {
  'ib-dev': { type: 'string', short: 'd' },
  'ib-port': { type: 'string', short: 'i' },
  'gid-index': { type: 'string', short: 'x' },
  size: { type: 'string', short: 's' },
  all: { type: 'boolean', short: 'a' },
  iters: { type: 'string', short: 'n' },
  duration: { type: 'string', short: 'D' },
  qp: { type: 'string', short: 'q' },
  'tx-depth': { type: 'string', short: 't' },
  post_list: { type: 'string', short: 'l' },
  inline_size: { type: 'string', short: 'I' },
  'CPU-freq': { type: 'boolean', short: 'F' },
  rdma_cm: { type: 'boolean', short: 'R' },
  report_gbits: { type: 'boolean' },
  port: { type: 'string', short: 'p' },
  out_json_file: { type: 'string' },
} as const satisfies OptionsConfig;

function int(values: OptionValues, name: string, flag: string, min: number, max: number): number | undefined {
  const v = values[name];
  if (v === undefined || typeof v !== 'string') return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} wants a whole number from ${min} to ${max}, got "${v}"`);
  }
  return n;
}

/**
 * `vrdma perf <test> [server]` arguments and flags as `PerfOptions`.
 * @throws UsageError for an unknown test, a malformed value or a value out of range.
 */
export function perfOptionsOf(args: readonly string[], values: OptionValues): PerfOptions {
  const [test, host] = args;
  if (test === undefined) throw new UsageError(`perf needs a test: ${PERF_TEST_NAMES.join(', ')}`);
  if (!isPerfTestName(test)) throw new UsageError(`unknown perf test "${test}"${suggestion(test, PERF_TEST_NAMES)}; tests: ${PERF_TEST_NAMES.join(', ')}`);
  const traits = PERF_TESTS[test];
  const d = perfDefaults(test, traits.kind, traits.verb === 'atomic');
  const sizeText = values['size'];
  const size = typeof sizeText === 'string' ? parseSize(sizeText, '-s') : d.size;
  if (size < 1 || size > 2 ** 31) throw new UsageError(`-s wants 1 byte to 2 GiB, got ${size}`);
  if (traits.verb === 'atomic' && size !== 8) throw new UsageError(`${test} moves 8 bytes per message; leave out -s`);
  const iters = int(values, 'iters', '-n', 5, 100_000_000) ?? d.iters;
  const durationS = int(values, 'duration', '-D', 1, 86_400);
  const postList = int(values, 'post_list', '-l', 1, 4096) ?? d.postList;
  const givenDepth = int(values, 'tx-depth', '-t', 1, 16384);
  if (givenDepth !== undefined && postList > givenDepth) throw new UsageError(`-l (${postList}) must not exceed -t (${givenDepth})`);
  const txDepth = Math.max(givenDepth ?? d.txDepth, postList);
  const gidIndex = int(values, 'gid-index', '-x', 0, 255);
  const device = values['ib-dev'];
  if (device === '') throw new UsageError('-d needs a device name');
  if (host === '') throw new UsageError('the server address is empty');
  return {
    ...d,
    ...(typeof device === 'string' ? { device } : {}),
    ...(host === undefined ? {} : { host }),
    ...(gidIndex === undefined ? {} : { gidIndex }),
    ...(durationS === undefined ? {} : { durationS }),
    size,
    all: values['all'] === true,
    iters,
    qps: int(values, 'qp', '-q', 1, 64) ?? d.qps,
    txDepth,
    postList,
    inline: int(values, 'inline_size', '-I', 0, 4096) ?? d.inline,
    ibPort: int(values, 'ib-port', '-i', 1, 255) ?? d.ibPort,
    port: int(values, 'port', '-p', 1, 65535) ?? d.port,
    reportGbits: values['report_gbits'] === true,
    rdmaCm: values['rdma_cm'] === true,
  };
}
