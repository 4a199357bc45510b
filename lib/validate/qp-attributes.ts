import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { ACCESS_KNOWN_MASK } from '../constants/access.js';
import type {
  AhAttributes, AhValues, GlobalRoute, QpInitAttributes, QpRtrAttributes, QpRtrValues, QpRtsAttributes,
} from '../types/qp-attributes.js';
import { checkInt, describe } from './numbers.js';
import { checkOptions, optionShape, type OptionShape } from './options.js';

/** What attribute checks need to know about the device and QP. */
export interface AttributeLimits {
  /** The port defaults go to (the context's). */
  readonly port: number;
  /** Ports are 1..physPortCnt. */
  readonly physPortCnt: number;
  /** The length of a port's P_Key table: P_Key indexes are 0..length-1. */
  pkeyTblLen(port: number): number;
}

const PSN_MAX = 0xff_ffff;

const INIT_ATTRIBUTES = optionShape<QpInitAttributes>({ pkeyIndex: 'integer', port: 'integer', accessFlags: 'integer', qkey: 'integer' });
const GLOBAL_ROUTE = optionShape<GlobalRoute>({ dgid: 'string', sgidIndex: 'integer', hopLimit: 'integer', trafficClass: 'integer', flowLabel: 'integer' });
const AH_ATTRIBUTES = optionShape<AhAttributes>({ dlid: 'integer', sl: 'integer', port: 'integer', grh: 'object' });
const RTR_ATTRIBUTES = optionShape<QpRtrAttributes>({
  pathMtu: 'integer', destQpn: 'integer', rqPsn: 'integer', maxDestRdAtomic: 'integer', minRnrTimer: 'integer', ahAttr: 'object',
});
const RTS_ATTRIBUTES = optionShape<QpRtsAttributes>({ sqPsn: 'integer', timeout: 'integer', retryCnt: 'integer', rnrRetry: 'integer', maxRdAtomic: 'integer' });

/** The attributes object, checked for unknown keys and types (`{}` when optional and absent). */
function object<T extends object>(name: string, value: T | undefined, optional: boolean, shape: OptionShape<T>): T | Record<string, never> {
  if (value === undefined && optional) return {};
  checkOptions('modify()', name, value, shape as OptionShape);
  return value as T;
}

function port(name: string, value: number | undefined, limits: AttributeLimits): number {
  return checkInt(name, value ?? limits.port, 1, limits.physPortCnt);
}

/** @throws InvalidArgumentError naming the bad field, an unknown key or a value of the wrong type. */
export function checkInitAttributes(value: QpInitAttributes | undefined, limits: AttributeLimits, defaults: { accessFlags: number; qkey: number }): Required<QpInitAttributes> {
  const a: QpInitAttributes = object('attrs', value, true, INIT_ATTRIBUTES);
  const p = port('attrs.port', a.port, limits);
  const index = checkInt('attrs.pkeyIndex', a.pkeyIndex ?? 0, 0, 0xffff);
  const tableLength = limits.pkeyTblLen(p);
  if (index >= tableLength) {
    throw new InvalidArgumentError('attrs.pkeyIndex', `port ${p} has ${tableLength} P_Key table entr${tableLength === 1 ? 'y' : 'ies'} (indexes 0..${tableLength - 1}), got ${index}`);
  }
  return {
    pkeyIndex: index,
    port: p,
    accessFlags: checkInt('attrs.accessFlags', a.accessFlags ?? defaults.accessFlags, 0, ACCESS_KNOWN_MASK),
    qkey: checkInt('attrs.qkey', a.qkey ?? defaults.qkey, 0, 0xffff_ffff),
  };
}

function checkGrh(name: string, value: GlobalRoute): Required<GlobalRoute> {
  const g: GlobalRoute = object(name, value, false, GLOBAL_ROUTE) as GlobalRoute;
  if (typeof g.dgid !== 'string' || g.dgid.length === 0 || g.dgid.length > 64) {
    throw new InvalidArgumentError(`${name}.dgid`, `must be a GID in IPv6 notation, got ${describe(g.dgid)}`);
  }
  return {
    dgid: g.dgid,
    sgidIndex: checkInt(`${name}.sgidIndex`, g.sgidIndex, 0, 0xffff),
    hopLimit: checkInt(`${name}.hopLimit`, g.hopLimit ?? 64, 0, 255),
    trafficClass: checkInt(`${name}.trafficClass`, g.trafficClass ?? 0, 0, 255),
    flowLabel: checkInt(`${name}.flowLabel`, g.flowLabel ?? 0, 0, 0xf_ffff),
  };
}

/** @throws InvalidArgumentError naming the bad field, an unknown key or a value of the wrong type. */
export function checkAhAttributes(name: string, value: AhAttributes, limits: AttributeLimits): AhValues {
  const a: AhAttributes = object(name, value, false, AH_ATTRIBUTES) as AhAttributes;
  return {
    dlid: checkInt(`${name}.dlid`, a.dlid, 0, 0xffff),
    sl: checkInt(`${name}.sl`, a.sl ?? 0, 0, 15),
    port: port(`${name}.port`, a.port, limits),
    grh: a.grh === undefined ? null : checkGrh(`${name}.grh`, a.grh),
  };
}

/** @throws InvalidArgumentError naming the bad field, an unknown key or a value of the wrong type. */
export function checkRtrAttributes(value: QpRtrAttributes, limits: AttributeLimits): QpRtrValues {
  const a: QpRtrAttributes = object('attrs', value, false, RTR_ATTRIBUTES) as QpRtrAttributes;
  return {
    pathMtu: checkInt('attrs.pathMtu', a.pathMtu, 1, 5),
    destQpn: checkInt('attrs.destQpn', a.destQpn, 0, 0xff_ffff),
    rqPsn: checkInt('attrs.rqPsn', a.rqPsn, 0, PSN_MAX),
    maxDestRdAtomic: checkInt('attrs.maxDestRdAtomic', a.maxDestRdAtomic ?? 1, 0, 16),
    minRnrTimer: checkInt('attrs.minRnrTimer', a.minRnrTimer ?? 12, 0, 31),
    ahAttr: checkAhAttributes('attrs.ahAttr', a.ahAttr, limits),
  };
}

/** @throws InvalidArgumentError naming the bad field, an unknown key or a value of the wrong type. */
export function checkRtsAttributes(value: QpRtsAttributes): Required<QpRtsAttributes> {
  const a: QpRtsAttributes = object('attrs', value, false, RTS_ATTRIBUTES) as QpRtsAttributes;
  return {
    sqPsn: checkInt('attrs.sqPsn', a.sqPsn, 0, PSN_MAX),
    timeout: checkInt('attrs.timeout', a.timeout ?? 14, 0, 31),
    retryCnt: checkInt('attrs.retryCnt', a.retryCnt ?? 7, 0, 7),
    rnrRetry: checkInt('attrs.rnrRetry', a.rnrRetry ?? 7, 0, 7),
    maxRdAtomic: checkInt('attrs.maxRdAtomic', a.maxRdAtomic ?? 1, 0, 16),
  };
}
