import { afterAll, describe, it } from 'vitest';
import { sameThread } from './peers.js';
import { checkPlacement } from './property.js';

describe('loop0 against the model: both sides in one thread', () => {
  const placement = sameThread();
  afterAll(() => placement.dispose());

  it('every request completes exactly once with the modelled status and bytes', async () => {
    await checkPlacement(placement, 200, 14);
  }, 3_600_000);
});
