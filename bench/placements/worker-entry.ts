/** Worker entry: the target side of a benchmark, driven by the thread that started it. */
import { parentPort, workerData } from 'node:worker_threads';
import { parentPortChannel } from '../core/channel.js';
import { serveTarget } from '../verbs/serve.js';
import { parseRigOptions } from './rig-options.js';

if (!parentPort) throw new Error('worker-entry.js must run in a worker thread');
await serveTarget(parentPortChannel(parentPort), parseRigOptions(workerData));
