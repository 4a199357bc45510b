import { RdmaError } from './rdma-error.js';

/**
 * The provider or device cannot do what was asked (an opcode, a QP type, a
 * feature). `code` is `"ERR_UNSUPPORTED"`; `errno` is set (95, EOPNOTSUPP)
 * when it came from a verb.
 */
export class UnsupportedError extends RdmaError {
  /** What is not supported. */
  readonly feature: string;
  /** The errno a verb returned, when the refusal came from one. */
  readonly errno?: number;

  constructor(feature: string, message?: string, errno?: number) {
    super('ERR_UNSUPPORTED', message ?? `${feature} is not supported`);
    this.name = 'UnsupportedError';
    this.feature = feature;
    if (errno !== undefined) this.errno = errno;
  }
}
