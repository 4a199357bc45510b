import type { Channel } from '../core/channel.js';
import { Pacer } from '../core/pacer.js';
import { Rig, type RigOptions } from './rig.js';
import { driveTarget, makeTarget } from './target.js';
import { NO_IDLE } from './session.js';

/** How long a target waits for the next command before giving up. */
const COMMAND_TIMEOUT_MS = 15 * 60 * 1000;
/** How long the handshake may take (slow emulated machines start Node in seconds). */
export const HANDSHAKE_TIMEOUT_MS = 60_000;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The target side of a benchmark in a worker or child process: open a rig,
 * trade `hello`s, connect, then run each test the initiator asks for until
 * `bye`. Failures are reported to the initiator as `failed`.
 */
export async function serveTarget(channel: Channel, options: RigOptions): Promise<void> {
  let rig: Rig | null = null;
  try {
    rig = await Rig.open(options);
    channel.send({ t: 'hello', info: rig.info() });
    const hello = await channel.expect('hello', HANDSHAKE_TIMEOUT_MS, 'target handshake');
    await rig.connect(hello.info);
    channel.send({ t: 'connected' });
    for (;;) {
      const msg = await channel.receive(COMMAND_TIMEOUT_MS, 'target waiting for a command');
      if (msg.t === 'bye') break;
      if (msg.t !== 'run') throw new Error(`target: unexpected "${msg.t}"`);
      const spec = msg.spec;
      const target = makeTarget(rig, hello.info, spec);
      channel.send({ t: 'ready' });
      const pacer = new Pacer(spec.mode, NO_IDLE, spec.timeoutMs, `target ${spec.kind} ${spec.size} B`);
      try {
        await driveTarget(target, pacer, rig.cq);
      } finally {
        pacer.dispose();
      }
      channel.send({ t: 'done', lostWakeups: pacer.lostWakeups });
    }
  } catch (err) {
    try {
      channel.send({ t: 'failed', message: message(err) });
    } catch {
      // the initiator is gone
    }
  } finally {
    rig?.close();
    channel.close();
  }
}
