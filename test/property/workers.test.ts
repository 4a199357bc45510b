import { afterAll, describe, it } from 'vitest';
import { workerThreads } from './peers.js';
import { checkPlacement } from './property.js';

describe('loop0 against the model: side b in a worker thread', () => {
  const placement = workerThreads();
  afterAll(() => placement.dispose());

  it('every request completes exactly once with the modelled status and bytes', async () => {
    await checkPlacement(placement, 60, 12);
  }, 3_600_000);
});
