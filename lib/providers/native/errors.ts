/**
 * The errors native code throws, built here so that users catch the
 * library's own classes: `VerbsError` (errno + symbolic code + verb),
 * `UnsupportedError` for EOPNOTSUPP/ENOSYS, `ClosedError`, `RdmaError`.
 */
import { RdmaError } from '../../errors/rdma-error.js';
import { VerbsError } from '../../errors/verbs-error.js';
import { UnsupportedError } from '../../errors/unsupported-error.js';
import { ClosedError } from '../../errors/closed-error.js';
import { errnoName } from '../../errors/errno.js';
import { qpStateName } from '../../constants/qp.js';
import type { NativeErrorFactories } from './addon.js';

/** errno values that mean "the device or kernel cannot do this". */
const UNSUPPORTED_ERRNOS = new Set([95 /* EOPNOTSUPP */, 38 /* ENOSYS */, 93 /* EPROTONOSUPPORT */]);

/**
 * The error for `verb` failing with positive `errno`: an `UnsupportedError`
 * for EOPNOTSUPP/ENOSYS/EPROTONOSUPPORT, else a `VerbsError` with the errno's name as `code`.
 */
export function verbsError(verb: string, errno: number, message: string): RdmaError {
  const code = errnoName(errno);
  if (UNSUPPORTED_ERRNOS.has(errno)) {
    return new UnsupportedError(verb, `${verb} failed: ${message} (${code}, errno ${errno})`, errno);
  }
  return new VerbsError(verb, errno, code, message);
}

/** A library error with a code (`ERR_CQ_OVERRUN`, `ERR_NO_DEVICE`, `ERR_CLOSED`, ...). */
export function rdmaError(code: string, message: string): RdmaError {
  if (code === 'ERR_CLOSED') return new ClosedError(message.replace(/ is closed$/, ''));
  return new RdmaError(code, message);
}

/** The factories handed to the addon's `configure()`. */
export const nativeErrorFactories: NativeErrorFactories = { verbsError, rdmaError };

/** The error for posting sends to a QP that is not ready to send. */
export function badState(qpn: number, state: number): RdmaError {
  return new RdmaError('ERR_BAD_STATE', `queue pair ${qpn} is in ${qpStateName(state)}: sends need RTS (call connect() first)`);
}
