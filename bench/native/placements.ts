import type { PlacementId } from '../core/options.js';
import type { PollMode } from '../core/pacer.js';
import { sameThread } from '../placements/same-thread.js';
import { workerPlacement } from '../placements/worker.js';
import { processPlacement } from '../placements/process.js';
import type { Placement } from '../placements/placement.js';

/** A native placement (no hub: both sides open the device directly). */
export interface NativePlacement {
  readonly id: PlacementId;
  readonly placement: Placement;
  readonly hub: false;
  readonly missing: null;
}

/** Same thread, main <-> worker, and two processes on one native device. */
export function nativePlacements(processMode: PollMode | null): NativePlacement[] {
  return [
    { id: 'thread', placement: sameThread, hub: false, missing: null },
    { id: 'worker', placement: workerPlacement('spin'), hub: false, missing: null },
    { id: 'worker-wait', placement: workerPlacement('wait'), hub: false, missing: null },
    { id: 'process', placement: processPlacement(processMode ?? 'spin', 'device'), hub: false, missing: null },
    { id: 'process-wait', placement: processPlacement('wait', 'device'), hub: false, missing: null },
  ];
}
