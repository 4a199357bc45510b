import type { PlacementId } from '../core/options.js';
import type { PollMode } from '../core/pacer.js';
import type { Placement } from '../placements/placement.js';
import { sameThread } from '../placements/same-thread.js';
import { workerPlacement } from '../placements/worker.js';
import { processPlacement } from '../placements/process.js';
import type { RigOptions } from '../verbs/rig.js';
import type { Session } from '../verbs/session.js';
import { missingTransport } from './transports.js';
import type { TestKind } from '../core/messages.js';

/** A placement with the rig options its sides use, and a precondition. */
export interface LoopbackPlacement {
  readonly id: PlacementId;
  readonly placement: Placement;
  /** Loopback sides join the hub (cross-process) or stay private. */
  readonly hub: boolean;
  /** Why it cannot run here without trying, or null. */
  readonly missing: string | null;
  /** Only these tests run in it (all when absent). */
  readonly only?: readonly TestKind[];
}

/** Try the placement anyway; when it fails and its transport is missing, say so first. */
function guarded(p: Placement, missing: string | null): Placement {
  if (missing === null) return p;
  return {
    ...p,
    async open(o: RigOptions): Promise<Session> {
      try {
        return await p.open(o);
      } catch (err) {
        throw new Error(`${missing} (${err instanceof Error ? err.message : String(err)})`);
      }
    },
  };
}

/**
 * The loopback placements: same thread; main <-> worker, spinning and on
 * `cq.wait()`; two processes through the hub, polling between turns of the
 * event loop (the hub delivers there: spinning would never see a packet)
 * and on `cq.wait()`; and two processes whose RDMA writes carry their
 * bytes on the socket instead of in shared memory (bandwidth only).
 */
export function loopbackPlacements(processMode: PollMode | null): LoopbackPlacement[] {
  const shm = missingTransport('shm');
  const hub = missingTransport('hub');
  return [
    { id: 'thread', placement: sameThread, hub: false, missing: null },
    { id: 'worker', placement: guarded(workerPlacement('spin'), shm), hub: false, missing: shm },
    { id: 'worker-wait', placement: guarded(workerPlacement('wait'), shm), hub: false, missing: shm },
    { id: 'process', placement: guarded(processPlacement(processMode ?? 'yield', 'hub'), hub), hub: true, missing: hub },
    { id: 'process-wait', placement: guarded(processPlacement('wait', 'hub'), hub), hub: true, missing: hub },
    // The same RDMA writes with their bytes on the peer socket: what shared memory between processes saves.
    { id: 'process-socket', placement: guarded(processPlacement(processMode ?? 'yield', 'hub', true), hub), hub: true, missing: hub, only: ['write_bw'] },
  ];
}
