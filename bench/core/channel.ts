import type { ChildProcess } from 'node:child_process';
import type { MessagePort, Worker } from 'node:worker_threads';
import { isControlMessage, type ControlMessage } from './messages.js';
import { withTimeout } from './clock.js';

interface Waiter {
  resolve(msg: ControlMessage): void;
  reject(err: Error): void;
}

/**
 * The control path between the initiator and a target in another thread or
 * process: ordered messages, a `receive()` that waits, and a failure state
 * once the other side is gone.
 */
export class Channel {
  readonly #queue: ControlMessage[] = [];
  readonly #waiters: Waiter[] = [];
  #failure: Error | null = null;

  constructor(private readonly post: (msg: ControlMessage) => void, private readonly release: () => void = () => {}) {}

  /** Feed a message that arrived. Messages that are not control messages fail the channel. */
  deliver(value: unknown): void {
    if (!isControlMessage(value)) {
      this.fail(new Error(`unexpected message from peer: ${JSON.stringify(value)}`));
      return;
    }
    const w = this.#waiters.shift();
    if (w) w.resolve(value);
    else this.#queue.push(value);
  }

  /** The other side is gone or broke the protocol: every pending and later `receive()` rejects. */
  fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    for (const w of this.#waiters.splice(0)) w.reject(err);
  }

  send(msg: ControlMessage): void {
    if (this.#failure) throw this.#failure;
    this.post(msg);
  }

  /** The next message. A `failed` message from the peer rejects with its text. */
  async receive(timeoutMs: number, what: string): Promise<ControlMessage> {
    const queued = this.#queue.shift();
    const next = queued !== undefined
      ? Promise.resolve(queued)
      : this.#failure
        ? Promise.reject(this.#failure)
        : new Promise<ControlMessage>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    const msg = await withTimeout(next, timeoutMs, what);
    if (msg.t === 'failed') throw new Error(`peer failed: ${msg.message}`);
    return msg;
  }

  /** Receive and insist on one kind of message. */
  async expect<T extends ControlMessage['t']>(t: T, timeoutMs: number, what: string): Promise<Extract<ControlMessage, { t: T }>> {
    const msg = await this.receive(timeoutMs, what);
    if (msg.t !== t) throw new Error(`${what}: expected "${t}" from peer, got "${msg.t}"`);
    return msg as Extract<ControlMessage, { t: T }>;
  }

  /** Stop listening (lets the thread or process exit). */
  close(): void {
    this.release();
  }
}

/** The channel to a worker this thread started. */
export function workerChannel(worker: Worker): Channel {
  const ch = new Channel((m) => worker.postMessage(m), () => worker.removeAllListeners('message'));
  worker.on('message', (m: unknown) => ch.deliver(m));
  worker.on('error', (err: Error) => ch.fail(new Error(`worker error: ${err.message}`)));
  worker.on('exit', (code: number) => ch.fail(new Error(`worker exited with code ${code}`)));
  return ch;
}

/** The channel from inside a worker to the thread that started it. */
export function parentPortChannel(port: MessagePort): Channel {
  const onMessage = (m: unknown): void => ch.deliver(m);
  const ch = new Channel((m) => port.postMessage(m), () => {
    port.off('message', onMessage);
    port.close();
  });
  port.on('message', onMessage);
  return ch;
}

/** The channel to a child process this process forked (IPC). */
export function childChannel(child: ChildProcess): Channel {
  const ch = new Channel((m) => { child.send(m); }, () => child.removeAllListeners('message'));
  child.on('message', (m: unknown) => ch.deliver(m));
  child.on('error', (err: Error) => ch.fail(new Error(`child process error: ${err.message}`)));
  child.on('exit', (code: number | null, signal: NodeJS.Signals | null) => {
    ch.fail(new Error(`child process exited (${signal ?? `code ${code ?? '?'}`})`));
  });
  return ch;
}

/** The channel from a forked child to its parent (IPC). */
export function parentProcessChannel(): Channel {
  if (!process.send) throw new Error('this script must be started with an IPC channel (child_process.fork)');
  const onMessage = (m: unknown): void => ch.deliver(m);
  const ch = new Channel((m) => { process.send!(m); }, () => {
    process.off('message', onMessage);
    process.disconnect();
  });
  process.on('message', onMessage);
  process.on('disconnect', () => ch.fail(new Error('parent process disconnected')));
  return ch;
}
