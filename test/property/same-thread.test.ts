import { sameThread } from './peers.js';
import { describePlacement } from './property.js';

describePlacement('both sides in one thread', sameThread, 200, 14);
