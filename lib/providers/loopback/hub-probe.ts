/** The outcome of `probeHub()`. */
export interface HubProbe {
  readonly reachable: boolean;
  /** The address tried (socket path or tcp://host:port). */
  readonly address: string;
  /** What was found, or why it failed. */
  readonly detail: string;
}

/**
 * Check whether a loopback hub answers at `address` (default: the per-user
 * socket). Never starts one; never throws.
 */
export async function probeHub(address?: string): Promise<HubProbe> {
  return { reachable: false, address: address ?? '', detail: 'not implemented yet' };
}
