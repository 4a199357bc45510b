import type { PeerInfo, RunSpec } from '../core/messages.js';
import { Pacer } from '../core/pacer.js';
import { Rig, type RigOptions } from '../verbs/rig.js';
import { driveTarget, makeTarget, type Target } from '../verbs/target.js';
import { NO_IDLE, type Session } from '../verbs/session.js';
import type { Placement } from './placement.js';

/** Both sides in this thread: the target advances whenever the initiator finds nothing to poll. */
class SameThreadSession implements Session {
  readonly peer: PeerInfo;
  #target: Target | null = null;

  constructor(readonly rig: Rig, private readonly other: Rig) {
    this.peer = other.info();
  }

  async start(spec: RunSpec): Promise<() => void> {
    const target = makeTarget(this.other, this.rig.info(), spec);
    this.#target = target;
    return () => { target.step(); };
  }

  async finish(spec: RunSpec): Promise<number> {
    const target = this.#target;
    this.#target = null;
    if (!target) return 0;
    const pacer = new Pacer('spin', NO_IDLE, spec.timeoutMs, `same-thread target ${spec.kind}`);
    try {
      await driveTarget(target, pacer, this.other.cq);
    } finally {
      pacer.dispose();
    }
    return 0;
  }

  async close(): Promise<void> {
    this.rig.close();
    this.other.close();
  }
}

/** Initiator and target on two contexts of the same thread. */
export const sameThread: Placement = {
  kind: 'thread',
  label: 'same thread',
  mode: 'spin',
  async open(options: RigOptions): Promise<Session> {
    const a = await Rig.open({ ...options, hub: false });
    let b: Rig;
    try {
      b = await Rig.open({ ...options, hub: false });
    } catch (err) {
      a.close();
      throw err;
    }
    try {
      await a.connect(b.info());
      await b.connect(a.info());
    } catch (err) {
      a.close();
      b.close();
      throw err;
    }
    return new SameThreadSession(a, b);
  },
};
