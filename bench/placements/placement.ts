import type { PollMode } from '../core/pacer.js';
import type { RigOptions } from '../verbs/rig.js';
import type { Session } from '../verbs/session.js';

/** Where the target runs relative to the initiator. */
/** `process-socket`: two processes on loopback with every byte on the peer socket (`VRDMA_LOOPBACK_SHM=0`). */
export type PlacementKind = 'thread' | 'worker' | 'process' | 'process-socket';

/** One placement of the two sides, with the way both wait for completions. */
export interface Placement {
  readonly kind: PlacementKind;
  /** What the table heading says, e.g. "main <-> worker (spin)". */
  readonly label: string;
  readonly mode: PollMode;
  /**
   * Build and connect both sides. Resolves to a session, or rejects with
   * the reason the placement cannot run here.
   */
  open(options: RigOptions): Promise<Session>;
}
