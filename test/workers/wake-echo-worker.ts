/**
 * Echoes wake-ups through the doorbell primitives of the cross-thread
 * transport and nothing else: each time its waker runs and finds a new
 * ping number, it publishes the same number as the pong and rings the
 * main thread's block. Its only way to learn of a ping is to be woken.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ThreadBlock } from '../../lib/providers/loopback/shm/thread-block.js';
import { Waker } from '../../lib/providers/loopback/shm/waker.js';
import { Echo, type EchoData } from './wake-echo.js';

const data = workerData as EchoData;
const words = new Int32Array(data.words);
const own = new ThreadBlock(data.workerBlock);
const main = new ThreadBlock(data.mainBlock);
let answered = 0;
const waker = new Waker(own, () => {
  const ping = Atomics.load(words, Echo.PING);
  if (ping === answered) return;
  answered = ping;
  Atomics.store(words, Echo.PONG, ping);
  // Two rings per answer, as a response and the request after it would:
  // the second one often meets the main thread while it re-arms.
  main.ring();
  main.ring();
});
waker.arm();
// The port keeps the thread alive (the waker does not); a message ends it.
parentPort!.once('message', () => process.exit(0));
parentPort!.postMessage('armed');
