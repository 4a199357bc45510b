import type { CliIo } from './io.js';

/** Shows what a slow step is doing. */
export interface Progress {
  /** Show `message` as the current step. */
  step(message: string): void;
  /** Clear the line. */
  done(): void;
}

/**
 * A one-line progress display on stderr when stderr is a terminal; a no-op
 * otherwise, so pipes, files and `--json` consumers never see it.
 */
export function createProgress(io: CliIo): Progress {
  if (!io.stderrIsTty) return { step() {}, done() {} };
  let shown = false;
  return {
    step(message: string) {
      io.stderr.write(`\r\x1b[2K${message}`);
      shown = true;
    },
    done() {
      if (shown) io.stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}
