import { nameLookup } from './names.js';

/** Queue-pair states, with the values of `enum ibv_qp_state`. */
export const QpState = {
  RESET: 0,
  INIT: 1,
  RTR: 2,
  RTS: 3,
  SQD: 4,
  SQE: 5,
  ERR: 6,
} as const;

/** One `QpState` value. */
export type QpStateValue = (typeof QpState)[keyof typeof QpState];

/** Queue-pair transport types, with the values of `enum ibv_qp_type`. */
export const QpType = {
  RC: 2,
  UC: 3,
  UD: 4,
} as const;

/** One `QpType` value. */
export type QpTypeValue = (typeof QpType)[keyof typeof QpType];

/** The name of a QP state (`3` -> `"RTS"`); unknown values give `"UNKNOWN(<n>)"`. */
export const qpStateName: (state: number) => string = nameLookup(QpState);

/** The name of a QP type (`2` -> `"RC"`); unknown values give `"UNKNOWN(<n>)"`. */
export const qpTypeName: (type: number) => string = nameLookup(QpType);
