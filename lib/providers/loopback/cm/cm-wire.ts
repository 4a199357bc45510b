import type { JsonMessage, OutMessage } from '../hub/json-frames.js';

/** How a thread's CM client reaches its switchboard (the hub's, or its own). */
export interface CmWire {
  /** A frame that gets an answer. @throws RdmaError with the answer's code when it is an error. */
  request(msg: OutMessage): Promise<JsonMessage>;
  /** A frame that gets none. */
  send(msg: OutMessage): void;
  /** Keep the process alive (true) while ids listen or connections are open, as sockets do. */
  hold(on: boolean): void;
}
