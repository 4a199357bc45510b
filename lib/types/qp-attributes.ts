/**
 * Queue-pair attributes as values, with the verbs names (`ibv_qp_attr`):
 * one object per transition of the connection state machine. `connect()`
 * builds them from the peer's endpoint; code that drives the state machine
 * itself (an rdma_cm, a migration) passes them to `QueuePair.modify()` and
 * reads them back with `QueuePair.query()`.
 */
import type { QpState } from '../constants/qp.js';

/** The global route header part of an address vector (`ibv_global_route`). */
export interface GlobalRoute {
  /** Destination GID in IPv6 notation. */
  readonly dgid: string;
  /** Index of the source GID in the local port's table. */
  readonly sgidIndex: number;
  /** Hop limit (the IP TTL on RoCE v2), 0..255; default 64. */
  readonly hopLimit?: number;
  /** Traffic class, 0..255; default 0. */
  readonly trafficClass?: number;
  /** Flow label, 0..0xfffff; default 0. */
  readonly flowLabel?: number;
}

/** An address vector (`ibv_ah_attr`): how packets reach the peer. */
export interface AhAttributes {
  /** Destination LID (InfiniBand; 0 on RoCE). */
  readonly dlid: number;
  /** Service level, 0..15; default 0. */
  readonly sl?: number;
  /** Local port; default the context's port. */
  readonly port?: number;
  /** The global route; required on RoCE and across subnets, and on loop0. */
  readonly grh?: GlobalRoute;
}

/** RESET/INIT -> INIT: where the QP lives and what remote peers may do. */
export interface QpInitAttributes {
  /**
   * Index into the port's P_Key table (`Context.pkeyTable()`), below
   * `queryPort().pkeyTblLen`; default 0 (the default partition). The QP
   * talks only to QPs whose P_Key matches: the same partition, and not
   * both limited members.
   */
  readonly pkeyIndex?: number;
  /** Local port; default the context's port. */
  readonly port?: number;
  /** `qp_access_flags`: the `Access.REMOTE_*` bits incoming RDMA may use (RC, UC). */
  readonly accessFlags?: number;
  /** UD: the Q_Key. */
  readonly qkey?: number;
}

/** INIT -> RTR: the peer (RC, UC). A UD QP takes none of these. */
export interface QpRtrAttributes {
  /** `Mtu` value of the path, at most both ports' active MTU. */
  readonly pathMtu: number;
  /** The peer's QP number (24 bits). */
  readonly destQpn: number;
  /** The first PSN expected from the peer (24 bits): the peer's `sqPsn`. */
  readonly rqPsn: number;
  /** RC: RDMA reads and atomics the peer may have outstanding here, 0..16; default 1. */
  readonly maxDestRdAtomic?: number;
  /** RC: minimum RNR NAK timer code, 0..31 (12 = 0.64 ms); default 12. */
  readonly minRnrTimer?: number;
  /** The address vector to the peer. */
  readonly ahAttr: AhAttributes;
}

/** RTR -> RTS: the send side. */
export interface QpRtsAttributes {
  /** The first PSN this QP sends (24 bits): what the peer passes as its `rqPsn`. */
  readonly sqPsn: number;
  /** RC: local ACK timeout exponent, 0..31 (4.096 us * 2^n); default 14. */
  readonly timeout?: number;
  /** RC: transport retries, 0..7; default 7. */
  readonly retryCnt?: number;
  /** RC: RNR retries, 0..7 (7 = for ever); default 7. */
  readonly rnrRetry?: number;
  /** RC: RDMA reads and atomics this QP may have outstanding, 0..16; default 1. */
  readonly maxRdAtomic?: number;
}

/** What `QueuePair.query()` returns (`ibv_query_qp`): every attribute, defaults filled in. */
export interface QpAttributes {
  /** `QpState` value. */
  readonly state: number;
  readonly pkeyIndex: number;
  readonly port: number;
  readonly accessFlags: number;
  /** UD: the Q_Key; 0 otherwise. */
  readonly qkey: number;
  readonly pathMtu: number;
  readonly destQpn: number;
  readonly rqPsn: number;
  readonly maxDestRdAtomic: number;
  readonly minRnrTimer: number;
  /** The address vector; null before RTR and on UD. */
  readonly ahAttr: AhValues | null;
  readonly sqPsn: number;
  readonly timeout: number;
  readonly retryCnt: number;
  readonly rnrRetry: number;
  readonly maxRdAtomic: number;
}

/** An address vector with every default filled in; `grh` is null without a global route. */
export interface AhValues {
  readonly dlid: number;
  readonly sl: number;
  readonly port: number;
  readonly grh: Required<GlobalRoute> | null;
}

/** `QpRtrAttributes` checked, every default filled in. */
export type QpRtrValues = Required<Omit<QpRtrAttributes, 'ahAttr'>> & { readonly ahAttr: AhValues };

/**
 * What one `modify()` step carries once checked, defaults filled in: the
 * attribute objects above with every field present (a UD QP's RTR step
 * carries none). The public class builds it, providers read it, and the
 * native addon reads the very same names; there is no other copy.
 */
export type QpModifySpec =
  | { readonly state: typeof QpState.INIT; readonly attrs: Required<QpInitAttributes> }
  | { readonly state: typeof QpState.RTR; readonly attrs: QpRtrValues | null }
  | { readonly state: typeof QpState.RTS; readonly attrs: Required<QpRtsAttributes> }
  | { readonly state: typeof QpState.ERR; readonly attrs: null };
