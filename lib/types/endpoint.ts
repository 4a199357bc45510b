import type { ProviderName } from '../constants/provider-name.js';

/** The version of the `Endpoint` format this library writes and reads. */
export const ENDPOINT_VERSION = 1;

/**
 * What one side of a connection tells the other (JSON-safe, versioned).
 * Send it to the peer any way you like; pass the peer's to `QueuePair.connect()`.
 */
export interface Endpoint {
  /** Always `ENDPOINT_VERSION` for this release. */
  readonly v: number;
  /** Provider of the QP; a native QP cannot connect to a loopback QP. */
  readonly provider: ProviderName;
  /** Local identifier (InfiniBand; 0 on RoCE). */
  readonly lid: number;
  /** GID in IPv6 notation. */
  readonly gid: string;
  /** GID index used on the sending side. */
  readonly gidIndex: number;
  /** Queue-pair number (24 bits). */
  readonly qpn: number;
  /** First packet sequence number (24 bits). */
  readonly psn: number;
  /** `QpType` value of the QP. */
  readonly qpType: number;
  /** Q_Key (UD), when the QP has one. */
  readonly qkey?: number;
  /** `Mtu` value of the port. */
  readonly mtu: number;
  /** Port number. */
  readonly port: number;
}

/** Memory a peer may access, as `MemoryRegion.toRemote()` gives it (JSON-safe). */
export interface RemoteMemory {
  /** Start address as a decimal string (use `BigInt(addr)`). */
  readonly addr: string;
  readonly rkey: number;
  readonly length: number;
}
