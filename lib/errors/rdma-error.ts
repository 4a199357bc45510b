/**
 * The base class of every error this library throws. `code` is a stable
 * string (`"ERR_CLOSED"`, `"ENOMEM"`, `"ERR_INVALID_ARG"`, ...) to branch on;
 * the message is for people.
 */
export class RdmaError extends Error {
  /** A stable, machine-readable error code. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RdmaError';
    this.code = code;
  }
}
