import type { Channel } from '../core/channel.js';
import type { PeerInfo, RunSpec } from '../core/messages.js';
import { Rig, type RigOptions } from '../verbs/rig.js';
import { HANDSHAKE_TIMEOUT_MS } from '../verbs/serve.js';
import { NO_IDLE, type Session } from '../verbs/session.js';

/** Extra time the target may take beyond the test's own timeout to say it is done. */
const FINISH_GRACE_MS = 5_000;

/** A session whose target lives in a worker or a child process, driven over a `Channel`. */
class RemoteSession implements Session {
  constructor(
    readonly rig: Rig,
    readonly peer: PeerInfo,
    private readonly channel: Channel,
    private readonly stop: () => Promise<void>,
  ) {}

  async start(spec: RunSpec): Promise<() => void> {
    this.channel.send({ t: 'run', spec });
    await this.channel.expect('ready', spec.timeoutMs, `target getting ready for ${spec.kind}`);
    return NO_IDLE;
  }

  async finish(spec: RunSpec): Promise<number> {
    const done = await this.channel.expect('done', spec.timeoutMs + FINISH_GRACE_MS, `target finishing ${spec.kind}`);
    return done.lostWakeups;
  }

  async close(): Promise<void> {
    try {
      this.channel.send({ t: 'bye' });
    } catch {
      // already gone
    }
    try {
      await this.stop();
    } finally {
      this.rig.close();
      this.channel.close();
    }
  }
}

/**
 * The initiator's half of the handshake with a freshly started target:
 * wait for its `hello` (or its failure), open our rig, answer, connect, and
 * wait until it has connected too. On failure, `stop` is called and the
 * error is rethrown.
 */
export async function handshake(channel: Channel, options: RigOptions, stop: () => Promise<void>): Promise<Session> {
  let rig: Rig | null = null;
  try {
    const hello = await channel.expect('hello', HANDSHAKE_TIMEOUT_MS, 'target start');
    rig = await Rig.open(options);
    channel.send({ t: 'hello', info: rig.info() });
    await rig.connect(hello.info);
    await channel.expect('connected', HANDSHAKE_TIMEOUT_MS, 'target connect');
    return new RemoteSession(rig, hello.info, channel, stop);
  } catch (err) {
    rig?.close();
    await stop();
    channel.close();
    throw err;
  }
}
