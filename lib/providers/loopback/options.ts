/** The `openDevice()` options the loopback provider (`loop0`) reads. */
export interface LoopbackOpenOptions {
  /** Use the per-user hub (default true); false keeps the device private to this process (its worker threads still reach it). */
  readonly hub?: boolean;
  /** The hub's address (a Unix socket path or `tcp://host:port`); default `VRDMA_HUB` or the per-user socket. */
  readonly hubAddress?: string;
  /** The shared token for a TCP hub; default `VRDMA_HUB_TOKEN`. */
  readonly hubToken?: string;
}

/** The keys of `LoopbackOpenOptions`. */
export const LOOPBACK_OPEN_OPTIONS = ['hub', 'hubAddress', 'hubToken'] as const satisfies readonly (keyof LoopbackOpenOptions)[];
