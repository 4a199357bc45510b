import { processes } from './peers.js';
import { describePlacement } from './property.js';

describePlacement('each side in a process of its own, through a hub', processes, 40, 12);
