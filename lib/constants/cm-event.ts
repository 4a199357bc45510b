import { nameLookup } from './names.js';

/** Connection-manager event types, with the values of `enum rdma_cm_event_type`. */
export const CmEventType = {
  ADDR_RESOLVED: 0,
  ADDR_ERROR: 1,
  ROUTE_RESOLVED: 2,
  ROUTE_ERROR: 3,
  CONNECT_REQUEST: 4,
  CONNECT_RESPONSE: 5,
  CONNECT_ERROR: 6,
  UNREACHABLE: 7,
  REJECTED: 8,
  ESTABLISHED: 9,
  DISCONNECTED: 10,
  DEVICE_REMOVAL: 11,
  MULTICAST_JOIN: 12,
  MULTICAST_ERROR: 13,
  ADDR_CHANGE: 14,
  TIMEWAIT_EXIT: 15,
} as const;

/** The name of a CM event type (`9` -> `"ESTABLISHED"`); unknown values give `"UNKNOWN(<n>)"`. */
export const cmEventName: (type: number) => string = nameLookup(CmEventType);

/** Port spaces of a CM id, with the values of `enum rdma_port_space`. */
export const CmPortSpace = {
  /** Reliable connected: RC queue pairs. */
  TCP: 0x0106,
  /** Unreliable datagram (not offered yet). */
  UDP: 0x0111,
} as const;

/**
 * Reject reasons seen in `REJECTED` events (`status`), the values of the
 * InfiniBand CM's `enum ib_cm_rej_reason` that a CM reports most.
 */
export const CmRejectReason = {
  /** Nobody listens on the port (the connect named an unknown service). */
  INVALID_SERVICE_ID: 8,
  /** The listening application rejected the request (`reject()`). */
  CONSUMER_DEFINED: 28,
} as const;

/**
 * The largest private data each CM message carries on InfiniBand and RoCE
 * (the CM's own header already taken off), as `rdma_connect(3)` and
 * `rdma_accept(3)` state them.
 */
export const CmPrivateDataLimit = {
  CONNECT: 56,
  ACCEPT: 196,
  REJECT: 148,
} as const;
