import type { ProviderName } from '../constants/provider-name.js';

/**
 * What an open device can do, as data: the provider declares it, the
 * library checks requests against it, and users read it as
 * `Context.capabilities` instead of trying and catching.
 */
export interface DeviceCapabilities {
  /** The provider that serves the device. */
  readonly provider: ProviderName;
  /** `QpType` values `createQp()` accepts. */
  readonly qpTypes: readonly number[];
  /** `WrOpcode` values `postSend()` accepts on some QP type (the QP type narrows further). */
  readonly sendOpcodes: readonly number[];
  /** Compare-and-swap and fetch-and-add are available (`atomicCap` is not NONE). */
  readonly atomics: boolean;
  /** Shared receive queues are available. */
  readonly srq: boolean;
  /** Unreliable datagram QPs and address handles are available. */
  readonly ud: boolean;
  /**
   * What `Context.allocBuffer()` returns: `"page-aligned"` memory outside
   * the JS heap (native), or `"shared"` (loopback): memory other threads
   * read in place, a `SharedArrayBuffer` on a private context, and on a hub
   * context a named shared memory mapping that other processes of the host
   * map too (a `SharedArrayBuffer` when the native addon is missing).
   */
  readonly memory: 'page-aligned' | 'shared';
  /** Largest send or receive queue, in work requests. */
  readonly maxQpWr: number;
  /** Most scatter/gather entries per work request. */
  readonly maxSge: number;
  /** Largest completion queue. */
  readonly maxCqe: number;
  /** Largest shared receive queue (0 without SRQ support). */
  readonly maxSrqWr: number;
  /** Largest memory region in bytes. */
  readonly maxMrSize: bigint;
  /** Most outstanding RDMA reads and atomics per QP. */
  readonly maxQpRdAtom: number;
  /** The `openDevice()` options this provider reads; it ignores the others'. */
  readonly openOptions: readonly string[];
}
