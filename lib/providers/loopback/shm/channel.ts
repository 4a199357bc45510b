import { BroadcastChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { CHANNEL_NAME, parseMessage, type ControlMessage } from './messages.js';

/** `receiveMessageOnPort` as documented (it takes a BroadcastChannel too). */
const receiveOne = receiveMessageOnPort as (port: MessagePort | BroadcastChannel) => { message: unknown } | undefined;

/**
 * The process-wide broadcast channel of the transport. Messages arrive on
 * the event loop, and `drain()` takes those already queued synchronously
 * (a thread spinning on a CQ never reaches its event loop). It does not
 * keep the thread alive unless `hold(true)`.
 */
export class ControlChannel {
  readonly #bc: BroadcastChannel;
  readonly #handler: (m: ControlMessage) => void;

  constructor(handler: (m: ControlMessage) => void) {
    this.#handler = handler;
    this.#bc = new BroadcastChannel(CHANNEL_NAME);
    this.#bc.onmessage = (event: MessageEvent) => this.#receive(event.data);
    this.#bc.unref();
  }

  /** Send to every other transport of the process. */
  post(m: ControlMessage): void {
    this.#bc.postMessage(m);
  }

  /** Handle every message already queued, now. */
  drain(): void {
    for (;;) {
      const got = receiveOne(this.#bc);
      if (!got) return;
      this.#receive(got.message);
    }
  }

  /** Keep the thread's event loop alive (true) or not (false). */
  hold(on: boolean): void {
    if (on) this.#bc.ref();
    else this.#bc.unref();
  }

  #receive(data: unknown): void {
    const m = parseMessage(data);
    if (m) this.#handler(m);
  }
}
