import { VerbsError } from '../../errors/verbs-error.js';
import { RdmaError } from '../../errors/rdma-error.js';
import { qpStateName } from '../../constants/qp.js';

/** The error a full work queue gives (ENOMEM, as the verbs return). */
export function queueFull(verb: string, what: string, capacity: number): VerbsError {
  return new VerbsError(verb, 12, 'ENOMEM', `${what} is full (${capacity} requests outstanding); poll completions before posting more`);
}

/** The error for posting sends to a QP that is not ready to send. */
export function badState(qpn: number, state: number): RdmaError {
  return new RdmaError('ERR_BAD_STATE', `queue pair ${qpn} is in ${qpStateName(state)}: sends need RTS (call connect() first)`);
}
