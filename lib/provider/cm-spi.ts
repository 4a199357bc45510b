/**
 * The connection-manager part of the provider interface: what a provider
 * implements so a `CmId` can bind, listen, resolve, connect, accept,
 * reject and disconnect over IP addresses, as librdmacm does. The public
 * `CmId` validates input (addresses, ports, private-data sizes, the order
 * of calls) and turns failure events into errors; a provider may assume
 * its input is valid.
 */
import type { QpBackend } from './spi.js';

/** An IP address and port, as the CM sees them. */
export interface CmAddress {
  /** Numeric IPv4 or IPv6 text (`"10.0.0.1"`, `"::1"`). */
  readonly address: string;
  /** 0..65535 (0 in a bind: any free port). */
  readonly port: number;
}

/** What travels with a connect or an accept, besides the queue pair. */
export interface CmConnParam {
  /** Up to `CmPrivateDataLimit.CONNECT` / `.ACCEPT` bytes, or null. */
  readonly privateData: Uint8Array | null;
  /** RDMA reads and atomics the peer may have outstanding towards us (0..16). */
  readonly responderResources: number;
  /** RDMA reads and atomics we may have outstanding towards the peer (0..16). */
  readonly initiatorDepth: number;
  /** Transport retries before a send fails (0..7). */
  readonly retryCount: number;
  /** Receiver-not-ready retries (0..7; 7 = forever). */
  readonly rnrRetryCount: number;
}

/**
 * One CM event as a provider delivers it. `type` is a `CmEventType` value,
 * `status` the C event's status (0, a negative errno for ADDR_ERROR,
 * ROUTE_ERROR, UNREACHABLE and CONNECT_ERROR, the reject reason for
 * REJECTED).
 */
export interface CmEventRecord {
  readonly type: number;
  readonly status: number;
  /** Private data the peer sent with the message behind the event, or null. */
  readonly privateData: Uint8Array | null;
  /** CONNECT_REQUEST: the new id of the incoming connection. */
  readonly child?: CmIdBackend;
  /** CONNECT_REQUEST: the connector's `initiatorDepth` (our responder resources) and `responderResources`. */
  readonly initiatorDepth?: number;
  readonly responderResources?: number;
}

/** The CM face of an open device. */
export interface CmBackend {
  /**
   * A new id in a port space (`CmPortSpace.TCP`) with its own event stream.
   * @throws UnsupportedError when the provider has no CM (native: no librdmacm.so.1).
   * @throws VerbsError `rdma_create_id` when the CM refuses.
   */
  createId(portSpace: number): CmIdBackend;
}

/**
 * One `rdma_cm_id`. Operations that complete later (address and route
 * resolution, connect, accept, disconnect) start here and end with an
 * event through the listener given to `onEvent`. A provider drives the
 * queue pair handed to `connect` / `accept` through RTR and RTS itself, and
 * delivers ESTABLISHED only once it is in RTS.
 */
export interface CmIdBackend {
  /** Register the one event listener (events before it are kept and delivered then). */
  onEvent(listener: (event: CmEventRecord) => void): void;
  /**
   * `rdma_bind_addr`. @throws VerbsError (`EADDRNOTAVAIL` for an address
   * not of this host, `EADDRINUSE` for a port in use) naming the verb.
   */
  bind(local: CmAddress): void;
  /** `rdma_listen`. @throws VerbsError `EADDRINUSE` when another id listens on the port. */
  listen(backlog: number): Promise<void>;
  /** `rdma_resolve_addr`: ends with ADDR_RESOLVED or ADDR_ERROR. @throws VerbsError when it cannot start. */
  resolveAddr(source: CmAddress | null, destination: CmAddress, timeoutMs: number): void;
  /** `rdma_resolve_route`: ends with ROUTE_RESOLVED or ROUTE_ERROR. @throws VerbsError when it cannot start. */
  resolveRoute(timeoutMs: number): void;
  /** The name of the device the id is bound to, or null while it is not bound to one (a wildcard listener). */
  deviceName(): string | null;
  /** The local and remote addresses, once known. */
  localAddress(): CmAddress | null;
  remoteAddress(): CmAddress | null;
  /**
   * `rdma_connect` for `qp` (in INIT): ends with ESTABLISHED (the QP in
   * RTS), REJECTED, UNREACHABLE or CONNECT_ERROR.
   * @throws VerbsError when it cannot start.
   */
  connect(qp: QpBackend, param: CmConnParam): void;
  /**
   * `rdma_accept` of a CONNECT_REQUEST child for `qp` (in INIT): the QP is
   * moved to RTR first; ends with ESTABLISHED (QP in RTS) or CONNECT_ERROR.
   * @throws VerbsError when it cannot start.
   */
  accept(qp: QpBackend, param: CmConnParam): void;
  /** `rdma_reject` of a CONNECT_REQUEST child. @throws VerbsError. */
  reject(privateData: Uint8Array | null): void;
  /** `rdma_disconnect`: both sides get DISCONNECTED. @throws VerbsError when not connected. */
  disconnect(): void;
  /** `rdma_destroy_id`: stops events, leaves the peer disconnected; idempotent, never throws. */
  close(): void;
}
