import { QpState, qpStateName } from '../constants/qp.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { RdmaError } from '../errors/rdma-error.js';
import { UnsupportedError } from '../errors/unsupported-error.js';

/** For each target state `modify()` supports, the states it may be reached from. */
const FROM: ReadonlyMap<number, readonly number[]> = new Map([
  [QpState.INIT, [QpState.INIT]],
  [QpState.RTR, [QpState.INIT]],
  [QpState.RTS, [QpState.RTR]],
  [QpState.ERR, [QpState.INIT, QpState.RTR, QpState.RTS, QpState.SQD, QpState.SQE, QpState.ERR]],
]);

/**
 * Check one step of the QP state machine before it reaches a provider.
 * @param label - the QP, for messages.
 * @throws InvalidArgumentError when `to` is not a `QpState` value.
 * @throws UnsupportedError for a target `modify()` does not offer (RESET, SQD, SQE).
 * @throws RdmaError `ERR_BAD_STATE` when the QP cannot go from `from` to `to`.
 */
export function checkTransition(label: string, from: number, to: unknown): number {
  if (typeof to !== 'number' || !Number.isInteger(to) || to < QpState.RESET || to > QpState.ERR) {
    throw new InvalidArgumentError('state', `must be a QpState value, got ${String(to)}`);
  }
  const allowed = FROM.get(to);
  if (allowed === undefined) {
    throw new UnsupportedError(`modify() to ${qpStateName(to)}`, `modify() moves a QP to INIT, RTR, RTS or ERR, not ${qpStateName(to)} (close() destroys it instead of a reset)`);
  }
  if (!allowed.includes(from)) {
    const need = allowed.map(qpStateName).join(' or ');
    throw new RdmaError('ERR_BAD_STATE', `modify() to ${qpStateName(to)} needs a QP in ${need}; ${label} is in ${qpStateName(from)}`);
  }
  return to;
}
