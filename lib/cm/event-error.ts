import { CmEventType, cmEventName } from '../constants/cm-event.js';
import { errnoName } from '../errors/errno.js';
import { ConnectionRejectedError } from '../errors/connection-rejected-error.js';
import { RdmaError } from '../errors/rdma-error.js';
import { TimeoutError } from '../errors/timeout-error.js';
import { VerbsError } from '../errors/verbs-error.js';
import { constants } from 'node:os';
import type { CmEventRecord } from '../provider/cm-spi.js';

const ETIMEDOUT = constants.errno.ETIMEDOUT;

/**
 * The error a failure event means for the operation `verb` was waiting on:
 * TimeoutError for an ETIMEDOUT status, ConnectionRejectedError for
 * REJECTED, RdmaError `ERR_DISCONNECTED` for a DISCONNECTED before the
 * connection was up, else a VerbsError with the status's errno.
 */
export function eventError(verb: string, event: CmEventRecord, timeoutMs: number): RdmaError {
  const name = cmEventName(event.type);
  if (event.type === CmEventType.REJECTED) {
    const why = event.status === 8 ? 'nobody listens on that port' : event.status === 28 ? 'the peer rejected the request' : `reject reason ${event.status}`;
    return new ConnectionRejectedError(event.status, event.privateData, `${verb}: connection rejected: ${why}`);
  }
  if (event.type === CmEventType.DISCONNECTED) return new RdmaError('ERR_DISCONNECTED', `${verb}: the peer went away before the connection was established`);
  const errno = Math.abs(event.status) || constants.errno.EIO;
  if (errno === ETIMEDOUT) return new TimeoutError(verb, timeoutMs, `${verb} timed out${timeoutMs > 0 ? ` after ${timeoutMs} ms` : ''} (${name})`);
  return new VerbsError(verb, errno, errnoName(errno), `${name} event`);
}
