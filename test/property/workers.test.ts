import { workerThreads } from './peers.js';
import { describePlacement } from './property.js';

describePlacement('side b in a worker thread', workerThreads, 60, 12);
