import type { CmId } from './cm-id.js';

/**
 * One connection-manager event, as `for await (const ev of cmId)` yields it.
 * `type` is a `CmEventType` value (the C `RDMA_CM_EVENT_*` value) and
 * `typeName` its name; `status` is the C event's status: 0, a negative errno
 * for ADDR_ERROR, ROUTE_ERROR, UNREACHABLE and CONNECT_ERROR, the reject
 * reason (`CmRejectReason`) for REJECTED.
 */
export interface CmEvent {
  readonly type: number;
  readonly typeName: string;
  readonly status: number;
  /** Private data the peer sent (with a CONNECT_REQUEST, an accept or a reject), or null. */
  readonly privateData: Uint8Array | null;
  /** CONNECT_REQUEST: the id of the incoming connection; `accept()` or `reject()` it. Null otherwise. */
  readonly id: CmId | null;
  /** CONNECT_REQUEST: the RDMA reads the connector wants to have outstanding towards us. */
  readonly initiatorDepth?: number;
  /** CONNECT_REQUEST: the RDMA reads the connector accepts from us. */
  readonly responderResources?: number;
}
