import type { PeerInfo, RunSpec } from '../core/messages.js';
import type { Rig } from './rig.js';

/** Does nothing: the idle hook when the target runs in another thread or process. */
export const NO_IDLE = (): void => {};

/**
 * The initiator's view of a connected pair: its own rig, the target's
 * connection info, and the calls that start and finish each test on the
 * target wherever it lives.
 */
export interface Session {
  readonly rig: Rig;
  /** The target's endpoint and inbox. */
  readonly peer: PeerInfo;
  /**
   * Have the target get ready for `spec` (post its receives); resolves when
   * it is. Returns the hook the initiator's loops call between empty polls
   * (the target's `step` when it lives in this thread).
   */
  start(spec: RunSpec): Promise<() => void>;
  /** Wait until the target has done its part of the test; resolves to the target's lost wake-ups. */
  finish(spec: RunSpec): Promise<number>;
  /** Tear down both sides (stops a worker or child this session started). Never throws. */
  close(): Promise<void>;
}
