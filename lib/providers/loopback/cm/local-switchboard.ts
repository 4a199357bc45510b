import { RdmaError } from '../../../errors/rdma-error.js';
import type { JsonMessage, OutMessage } from '../hub/json-frames.js';
import { CmClient } from './cm-client.js';
import { CmSwitchboard } from './switchboard.js';

let client: CmClient | null = null;
let keepAlive: NodeJS.Timeout | null = null;

/**
 * The CM client of this thread's private switchboard (for loop0 contexts
 * opened without the hub): frames are delivered on a later turn of the
 * event loop, as they would arrive from the hub.
 */
export function localCmClient(): CmClient {
  if (client) return client;
  const board = new CmSwitchboard((_owner, msg) => {
    setImmediate(() => c.handle(msg as JsonMessage));
  });
  const c = new CmClient({
    request: (msg: OutMessage) => {
      const answer = board.handle(0, { ...msg, req: 1 });
      if (answer?.t === 'error') return Promise.reject(new RdmaError(String(answer['code']), String(answer['message'])));
      return Promise.resolve((answer ?? { t: 'ok' }) as JsonMessage);
    },
    send: (msg: OutMessage) => {
      board.handle(0, msg as JsonMessage);
    },
    hold: (on: boolean) => {
      if (on && !keepAlive) keepAlive = setInterval(() => {}, 1 << 30);
      if (!on && keepAlive) {
        clearInterval(keepAlive);
        keepAlive = null;
      }
    },
  });
  client = c;
  return c;
}
