import type { Command, CommandContext } from '../command.js';
import { createProgress } from '../progress.js';
import { toJson } from '../json.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import { ExitCode } from '../exit-code.js';
import { EXIT_HELP, GLOBAL_HELP } from '../help.js';
import { PERF_FLAGS, perfOptionsOf } from './perf-options.js';
import { PERF_TEST_NAMES } from '../../perf/tests.js';

async function run(ctx: CommandContext): Promise<number> {
  const options = perfOptionsOf(ctx.args, ctx.options);
  // Loaded here, not at start-up, so other commands work where a provider fails to load.
  const { runPerf } = await import('../../perf/run.js');
  const { formatPerfText } = await import('../../perf/format.js');
  const progress = ctx.json ? { step() {}, done() {} } : createProgress(ctx.io);
  let result;
  try {
    result = await runPerf(options, {
      onListening: (port) => ctx.io.stderr.write(`perf: waiting for a client on port ${port}\n`),
      onStep: (message) => progress.step(message),
    });
  } finally {
    progress.done();
  }
  const document = { options, result };
  const file = ctx.options['out_json_file'];
  if (typeof file === 'string' && file !== '') writeFileAtomic(file, toJson(document));
  ctx.io.stdout.write(ctx.json ? toJson(document) : formatPerfText(result, options.reportGbits));
  return ExitCode.OK;
}

/** `vrdma perf <test> [server]`: perftest's tests, wire-compatible with its tools. */
export const perfCommand: Command = {
  name: 'perf',
  summary: 'perftest-compatible latency and bandwidth tests (speaks with ib_write_bw and friends)',
  options: PERF_FLAGS,
  maxArgs: 2,
  run,
  help: `Usage: vrdma perf <test> [options]            (server: waits for a client)
       vrdma perf <test> <server> [options]   (client)

Tests: ${PERF_TEST_NAMES.join(', ')}
(as perftest's ib_send_lat, ib_write_lat, ..., ib_atomic_bw).

Both sides meet over perftest's TCP exchange, so either side may be a
perftest tool: "vrdma perf write_bw -d rxe0 -x 1 host" against
"ib_write_bw -d rxe0 -x 1", or the reverse. Give both sides the same test,
size, iterations and -x. Latency is one-way in microseconds (half the round
trip for send and write, the whole request for read and atomic); bandwidth
is in MB/sec with MB = 2^20 bytes (or Gb/sec with --report_gbits).

Options (perftest's):
  -d, --ib-dev DEV        device (default: the first native device, else loop0)
  -i, --ib-port N         port of the device (default 1)
  -x, --gid-index N       GID index; connection records then carry the GID
  -s, --size BYTES        message size (default 2 for latency, 65536 for
                          bandwidth; atomics move 8)
  -a, --all               every size from 2 B to 8 MiB
  -n, --iters N           iterations (default 1000; write_bw 5000; at least 5)
  -D, --duration S        run for S seconds (write_bw, read_bw, atomic_bw)
  -q, --qp N              queue pairs (bandwidth tests; default 1)
  -t, --tx-depth N        work requests in flight per QP (default 128; latency 1)
  -l, --post_list N       work requests per post call (default 1)
  -I, --inline_size N     inline payloads up to N bytes (default 0)
  -F, --CPU-freq          accepted for compatibility (no effect: the clock is
                          the operating system's)
  -R, --rdma_cm           connect the QPs with rdma_cm, and run the exchange
                          over an rdma_cm connection on the same port (as
                          perftest's -R; give it on both sides)
      --report_gbits      bandwidth in Gb/sec
  -p, --port N            port of the exchange (default 18515; TCP, or rdma_cm
                          with -R)
      --out_json_file F   also write the JSON document to file F

Progress is shown on stderr when it is a terminal (never with --json).
The server prints "perf: waiting for a client on port N" on stderr once it
listens.

${GLOBAL_HELP}

${EXIT_HELP}
`,
};
