import type { CompletionQueue } from '../../lib/index.js';
import type { Pacer } from '../core/pacer.js';
import type { PeerInfo, RunSpec } from '../core/messages.js';
import type { Rig } from './rig.js';
import { SendLatencyTarget } from './send-latency.js';
import { WriteLatencyTarget } from './write-latency.js';
import { SendBandwidthTarget, WriteBandwidthTarget } from './stream-bandwidth.js';

/**
 * The passive side of one test. Built (and its receives posted) before the
 * initiator starts; `step()` does whatever can be done now without waiting.
 */
export interface Target {
  readonly done: boolean;
  /** True when this target learns of progress through completions (else it watches memory). */
  readonly completionDriven: boolean;
  /** Handle what has arrived; true when anything happened. */
  step(): boolean;
}

/** Build the target of `spec` on `rig` (posts its receives); `peer` is the initiator. */
export function makeTarget(rig: Rig, peer: PeerInfo, spec: RunSpec): Target {
  switch (spec.kind) {
    case 'send_lat': return new SendLatencyTarget(rig, spec);
    case 'write_lat': return new WriteLatencyTarget(rig, peer, spec);
    case 'write_bw': return new WriteBandwidthTarget(rig);
    case 'send_bw': return new SendBandwidthTarget(rig, spec);
  }
}

/** Run a target in its own thread until it is done, waiting as `pacer` says. */
export async function driveTarget(target: Target, pacer: Pacer, cq: CompletionQueue): Promise<void> {
  let empty = 0;
  while (!target.done) {
    const progressed = target.step();
    pacer.settle(progressed);
    if (progressed) {
      empty = 0;
      continue;
    }
    if (++empty >= pacer.spins) {
      empty = 0;
      await pacer.stall(target.completionDriven ? cq : null);
    }
  }
}
