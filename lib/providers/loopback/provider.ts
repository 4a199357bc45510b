import type { ContextBackend, ProviderBackend } from '../../provider/spi.js';
import { ProviderName } from '../../constants/provider-name.js';
import { LOOPBACK_OPEN_OPTIONS, type LoopbackOpenOptions } from './options.js';
import { RdmaError } from '../../errors/rdma-error.js';
import { checkPortOption } from '../../provider/port-options.js';
import { LOOP_DEVICE_ATTRIBUTES, LOOP_DEVICE_INFO, LOOP_DEVICE_NAME, loopPkeyTable } from './device.js';
import { LoopContext } from './context.js';
import { createLocalNode } from './local-node.js';
import { installTransports } from './transports.js';
import { openHubNode } from './hub/hub-runtime.js';
import type { LoopNode, SelfRouter } from './node.js';
import { selfRoute } from './self-route.js';
import { shmSelfRouter } from './shm/index.js';
import { parseAddress } from './hub/address.js';
import { messageOf } from './hub/errors.js';
import { allocateShared } from './mapping/shared-memory.js';

const warned = new Set<string>();

/**
 * The loopback provider: `loop0`, always present. By default a context joins
 * the per-user hub (started on demand) and reaches contexts of other
 * processes on this host; `{ hub: false }` keeps it private to this process
 * (threads of the process still reach each other through shared memory).
 *
 * Requests and completions from other processes arrive on the event loop:
 * a process that spins on `cq.poll()` synchronously never sees them; await
 * `cq.next()` or `cq.wait()`, or yield between polls.
 */
export const loopbackProvider: ProviderBackend<LoopbackOpenOptions> = {
  name: ProviderName.LOOPBACK,
  openOptions: LOOPBACK_OPEN_OPTIONS,
  status() {
    return { name: ProviderName.LOOPBACK, available: true };
  },
  listDevices() {
    return [LOOP_DEVICE_INFO];
  },
  /**
   * Open `loop0`. When the hub cannot be used and the caller did not ask for
   * it (`hub` unset, no `hubAddress`), the context is private to this
   * process and a warning (`VRDMA_HUB_UNAVAILABLE`) says why.
   * @throws RdmaError `ERR_NO_DEVICE` for another name.
   * @throws InvalidArgumentError for a malformed `hubAddress`, a `port` other than 1, or bad `pkeys`.
   * @throws RdmaError `ERR_HUB_UNAVAILABLE` when `hub: true` or `hubAddress` was given and the hub cannot be used (the message says why).
   */
  async open(name: string, options: LoopbackOpenOptions): Promise<ContextBackend> {
    if (name !== LOOP_DEVICE_NAME) throw new RdmaError('ERR_NO_DEVICE', `the loopback provider has only ${LOOP_DEVICE_NAME}, not ${name}`);
    checkPortOption(LOOP_DEVICE_NAME, LOOP_DEVICE_ATTRIBUTES.physPortCnt, options.port);
    const pkeys = loopPkeyTable(options.pkeys);
    installTransports();
    if (options.hub === false) return new LoopContext(privateNode(), undefined, undefined, pkeys);
    if (options.hubAddress !== undefined) parseAddress(options.hubAddress);
    const explicit = options.hub === true || options.hubAddress !== undefined;
    try {
      const { node, release } = await openHubNode({ hubAddress: options.hubAddress, hubToken: options.hubToken });
      const ctx = new LoopContext(node, release, allocateShared, pkeys);
      if (node.selfRouter !== null) await connectSelfOrClose(ctx, node.selfRouter);
      return ctx;
    } catch (err) {
      if (explicit) {
        if (err instanceof RdmaError && err.code === 'ERR_HUB_UNAVAILABLE') throw err;
        throw new RdmaError('ERR_HUB_UNAVAILABLE', `the loopback hub cannot be used: ${messageOf(err)}`, { cause: err });
      }
      warnOnce(messageOf(err));
      return new LoopContext(privateNode(), undefined, undefined, pkeys);
    }
  },
};

/** A node private to this process; with `VRDMA_LOOPBACK_SELF_ROUTE=threads`, reached through the cross-thread ring even from its own thread. */
function privateNode(): LoopNode {
  const node = createLocalNode();
  if (selfRoute() === 'threads') node.selfRouter = shmSelfRouter();
  return node;
}

/**
 * With `VRDMA_LOOPBACK_SELF_ROUTE=peers`, connect the process to itself
 * before the context is used, so its first datagram already has a way.
 * @throws RdmaError `ERR_HUB_UNAVAILABLE` (the context closed) when that fails.
 */
async function connectSelfOrClose(ctx: LoopContext, router: SelfRouter): Promise<void> {
  try {
    await router.connect();
  } catch (err) {
    ctx.close();
    throw new RdmaError('ERR_HUB_UNAVAILABLE', `VRDMA_LOOPBACK_SELF_ROUTE=peers: cannot connect this process to its own peer listener: ${messageOf(err)}`, { cause: err });
  }
}

function warnOnce(reason: string): void {
  if (warned.has(reason)) return;
  warned.add(reason);
  process.emitWarning(`loop0 is private to this process: ${reason} (open it with { hub: false } to silence this)`, { code: 'VRDMA_HUB_UNAVAILABLE' });
}
