/**
 * What `VRDMA_LOOPBACK_SELF_ROUTE` asks for: how QPs of one thread reach
 * each other. `peers`: hub contexts of one process meet as contexts of two
 * processes do (the peer socket, shared memory for the bytes). `threads`:
 * private contexts (`hub: false`) meet as contexts of two threads do (a
 * shared-memory ring, here from the thread to itself). Unset or anything
 * else: directly, inside the post. Read when a context opens.
 */
export type SelfRoute = 'peers' | 'threads' | null;

/** The self route asked for now (see `SelfRoute`). */
export function selfRoute(): SelfRoute {
  const v = process.env['VRDMA_LOOPBACK_SELF_ROUTE'];
  return v === 'peers' || v === 'threads' ? v : null;
}
