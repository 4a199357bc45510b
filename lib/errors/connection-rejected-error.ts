import { RdmaError } from './rdma-error.js';

/**
 * The peer's connection manager rejected a connect: nobody listens on the
 * port (`reason` 8, `CmRejectReason.INVALID_SERVICE_ID`) or the listening
 * application called `reject()` (`reason` 28, `CONSUMER_DEFINED`), with the
 * private data it gave. `code` is `"ERR_CONNECTION_REJECTED"`.
 */
export class ConnectionRejectedError extends RdmaError {
  /** The reject reason the CM reported (the event's `status`). */
  readonly reason: number;
  /** The private data the rejecting side sent, or null. */
  readonly privateData: Uint8Array | null;

  constructor(reason: number, privateData: Uint8Array | null, message: string) {
    super('ERR_CONNECTION_REJECTED', message);
    this.name = 'ConnectionRejectedError';
    this.reason = reason;
    this.privateData = privateData;
  }
}
