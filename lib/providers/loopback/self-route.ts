/**
 * What `VRDMA_LOOPBACK_SELF_ROUTE` asks for: how QPs of one thread reach
 * each other. `peers`: hub contexts of one process meet as contexts of two
 * processes do (the peer socket, shared memory for the bytes). `threads`:
 * private contexts (`hub: false`) meet as contexts of two threads do (a
 * shared-memory ring, here from the thread to itself). Unset or empty:
 * directly, inside the post. Read when a context opens.
 */
export type SelfRoute = 'peers' | 'threads' | null;

const warned = new Set<string>();

/**
 * The self route asked for now (see `SelfRoute`). Another value is
 * ignored with a warning (code `VRDMA_SELF_ROUTE`), once per value. Never throws.
 */
export function selfRoute(): SelfRoute {
  const v = process.env['VRDMA_LOOPBACK_SELF_ROUTE'];
  if (v === 'peers' || v === 'threads') return v;
  if (v !== undefined && v !== '' && !warned.has(v)) {
    warned.add(v);
    process.emitWarning(`VRDMA_LOOPBACK_SELF_ROUTE=${JSON.stringify(v)} is ignored: it takes "peers" or "threads"; loop0 contexts of one thread meet directly`, { code: 'VRDMA_SELF_ROUTE' });
  }
  return null;
}
