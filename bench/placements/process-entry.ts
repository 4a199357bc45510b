/** Child-process entry: the target side of a benchmark, driven by its parent over IPC. */
import { parentProcessChannel } from '../core/channel.js';
import { serveTarget } from '../verbs/serve.js';
import { parseRigOptions } from './rig-options.js';

const arg = process.argv[2];
if (arg === undefined) throw new Error('process-entry.js needs the rig options as JSON in argv[2]');
await serveTarget(parentProcessChannel(), parseRigOptions(JSON.parse(arg)));
