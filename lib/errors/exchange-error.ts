import { RdmaError } from './rdma-error.js';

/**
 * Why an out-of-band exchange failed: the `code` of an `ExchangeError`.
 * Each is a stable string to branch on.
 */
export const ExchangeErrorCode = {
  /** The peer speaks another version of the exchange format. */
  VERSION: 'ERR_EXCHANGE_VERSION',
  /** Bytes that are not an exchange frame: a wrong magic, an unknown frame type, a malformed payload. */
  MALFORMED: 'ERR_EXCHANGE_MALFORMED',
  /** The connection ended in the middle of a frame. */
  TRUNCATED: 'ERR_EXCHANGE_TRUNCATED',
  /** A frame announced a payload larger than the configured limit. */
  OVERSIZED: 'ERR_EXCHANGE_OVERSIZED',
  /** The peer did not answer a step within the timeout. */
  TIMEOUT: 'ERR_EXCHANGE_TIMEOUT',
  /** The connection ended between frames before the exchange was over. */
  CLOSED: 'ERR_EXCHANGE_CLOSED',
  /** A well-formed frame of a type the current step does not expect. */
  UNEXPECTED: 'ERR_EXCHANGE_UNEXPECTED',
  /** The peer gave up and said why (an ABORT frame). */
  PEER_ABORTED: 'ERR_EXCHANGE_PEER_ABORTED',
  /** No listener could be reached at the address before the deadline. */
  UNREACHABLE: 'ERR_EXCHANGE_UNREACHABLE',
  /** The address could not be listened on (in use, no permission). */
  LISTEN: 'ERR_EXCHANGE_LISTEN',
} as const;

/** One `ExchangeErrorCode` value. */
export type ExchangeErrorCode = (typeof ExchangeErrorCode)[keyof typeof ExchangeErrorCode];

/**
 * The out-of-band exchange that sets up a `Connection` failed. `code` is an
 * `ExchangeErrorCode` value; `cause` carries the socket error when there was one.
 */
export class ExchangeError extends RdmaError {
  constructor(code: ExchangeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ExchangeError';
  }
}
