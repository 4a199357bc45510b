#!/usr/bin/env node
/**
 * The `vrdma` command: devices, SR-IOV topology, preflight checks.
 * Run `vrdma --help`.
 */
import { runCli } from './run-cli.js';
import { processIo } from './io.js';

// A reader that went away (`vrdma sriov | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const code = await runCli(process.argv.slice(2), processIo());
// Exit once the output is flushed, even if a provider left a handle open.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
