import { PORT_OPEN_OPTIONS, type PortOpenOptions } from '../../provider/port-options.js';
import { optionShape } from '../../validate/options.js';

/**
 * The `openDevice()` options the loopback provider (`loop0`) reads. `loop0`
 * has one port (1) with one GID (index 0): `port` and `gidIndex` may only
 * name those.
 */
export interface LoopbackOpenOptions extends PortOpenOptions {
  /** Use the per-user hub (default true); false keeps the device private to this process (its worker threads still reach it). */
  readonly hub?: boolean;
  /** The hub's address (a Unix socket path or `tcp://host:port`); default `VRDMA_HUB` or the per-user socket. */
  readonly hubAddress?: string;
  /** The shared token for a TCP hub; default `VRDMA_HUB_TOKEN`. */
  readonly hubToken?: string;
  /**
   * Partitions this node belongs to: P_Keys placed in the table after the
   * default `0xffff` at index 0 (so the first is at index 1). High bit set:
   * full member; clear: limited member. At most 127.
   */
  readonly pkeys?: readonly number[];
}

/** The keys and types of `LoopbackOpenOptions`. */
export const LOOPBACK_OPEN_OPTIONS = optionShape<LoopbackOpenOptions>({
  ...PORT_OPEN_OPTIONS, hub: 'boolean', hubAddress: 'string', hubToken: 'string', pkeys: 'object',
});
