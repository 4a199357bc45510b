/** Where a command writes, and what it knows about its terminal. */
export interface CliIo {
  /** Results: text or one JSON document. */
  readonly stdout: { write(chunk: string): unknown };
  /** Errors, warnings and progress. */
  readonly stderr: { write(chunk: string): unknown };
  /** Whether stderr is a terminal (progress is shown only then). */
  readonly stderrIsTty: boolean;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stderrIsTty: process.stderr.isTTY === true };
}
