import type { ConnectOptions, Endpoint, RemoteMemory } from '../../lib/index.js';
import { hubSocket, hubStats, type Child, type Scope } from './helpers.js';

/** One process of a test pair. */
export interface Side {
  readonly child: Child;
  readonly gid: string;
  readonly lid: number;
  readonly endpoint: Endpoint;
  readonly mem: RemoteMemory;
}

/** Open loop0 in `child` (with `open` options) and set up a QP (in the partition at `pkeyIndex`), CQ and a region of `size` bytes. */
export async function side(child: Child, size: number, open: { hub?: boolean; hubAddress?: string; hubToken?: string; pkeys?: number[]; pkeyIndex?: number } = {}): Promise<Side> {
  const { pkeyIndex, ...openOptions } = open;
  const { gid, lid } = await child.call<{ gid: string; lid: number }>({ op: 'open', ...openOptions });
  const { endpoint, mem } = await child.call<{ endpoint: Endpoint; mem: RemoteMemory }>({ op: 'setup', size, ...(pkeyIndex !== undefined ? { pkeyIndex } : {}) });
  return { child, gid, lid, endpoint, mem };
}

/** Connect the QPs of two sides to each other (with `options` on both, the verbs' defaults otherwise). */
export async function connect(a: Side, b: Side, options?: ConnectOptions): Promise<void> {
  const opts = options === undefined ? {} : { options };
  await Promise.all([a.child.call({ op: 'connect', endpoint: b.endpoint, mem: b.mem, ...opts }), b.child.call({ op: 'connect', endpoint: a.endpoint, mem: a.mem, ...opts })]);
}

/**
 * Two processes on a hub they start on demand in a fresh runtime
 * directory, with connected RC QPs (`connectOptions` on both); the hub is
 * tracked for clean-up.
 */
export async function pair(scope: Scope, size = 1 << 20, extraEnv: Record<string, string> = {}, connectOptions?: ConnectOptions): Promise<{ a: Side; b: Side; dir: string; hubPid: number }> {
  const dir = scope.runtimeDir();
  const env = scope.env(dir, extraEnv);
  const [ca, cb] = await Promise.all([scope.child(env), scope.child(env)]);
  const [a, b] = await Promise.all([side(ca, size), side(cb, size)]);
  const hubPid = (await hubStats(hubSocket(dir))).pid;
  scope.track(hubPid);
  await connect(a, b, connectOptions);
  return { a, b, dir, hubPid };
}
